package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"citylink/db"
	"citylink/web"
)

func TestSignIn(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")

	t.Run("OK", func(t *testing.T) {
		b := a.signIn(t, "ann@acme.test")
		res := b.get("/")
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/t/acme/" {
			t.Fatalf("home: got %d to %q, want 303 to /t/acme/", res.status, res.header.Get("Location"))
		}
		if res := b.get("/t/acme/notifications"); res.status != http.StatusOK {
			t.Fatalf("notifications: got %d, want 200", res.status)
		}
	})
	t.Run("SameErrorForUnknownEmailAndWrongPassword", func(t *testing.T) {
		b := a.browser(t)
		wrong := b.post("/login", url.Values{"email": {"ann@acme.test"}, "password": {"not the password"}})
		unknown := b.post("/login", url.Values{"email": {"nobody@acme.test"}, "password": {"not the password"}})
		if wrong.status != http.StatusUnauthorized || unknown.status != http.StatusUnauthorized {
			t.Fatalf("got %d and %d, want 401 twice", wrong.status, unknown.status)
		}
		got, other := testidText(wrong.body, "login-error"), testidText(unknown.body, "login-error")
		if got != other || got == "" {
			t.Errorf("errors differ: %q and %q", got, other)
		}
	})
	t.Run("NotSignedIn", func(t *testing.T) {
		res := a.browser(t).get("/t/acme/notifications")
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
			t.Fatalf("got %d to %q, want 303 to /login", res.status, res.header.Get("Location"))
		}
	})
	t.Run("Cookie", func(t *testing.T) {
		b := a.browser(t)
		res := b.post("/login", url.Values{"email": {"ann@acme.test"}, "password": {testPassword}})
		cookie := res.header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("cookie %q lacks %s", cookie, want)
			}
		}
	})
	t.Run("SignOut", func(t *testing.T) {
		b := a.signIn(t, "ann@acme.test")
		if res := b.post("/logout", url.Values{}); res.status != http.StatusSeeOther {
			t.Fatalf("sign out: got %d, want 303", res.status)
		}
		if res := b.get("/t/acme/notifications"); res.status != http.StatusSeeOther {
			t.Fatalf("after sign-out: got %d, want 303 to /login", res.status)
		}
	})
}

// TestTenantScoping checks the first wall between tenants: a member of A
// finds nothing of B, neither under B's slug nor by B's ids under A's.
func TestTenantScoping(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	acme := mustCreateTenant(t, a.db, "acme")
	bravo := mustCreateTenant(t, a.db, "bravo")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "owner")
	mustCreateMember(t, a.db, bravo, "bob@bravo.test", "owner")

	secret := "bravo-only-" + strings.Repeat("z", 8)
	res := postHook(t, a.srv.URL, web.NotificationPath(bravo),
		`{"request":"delivery","messages":[{"type":"generic","data":"`+secret+`"}]}`)
	if res.status != http.StatusOK {
		t.Fatalf("delivery to bravo: got %d", res.status)
	}
	notes, err := a.db.FindNotifications(ctx, bravo.ID, db.NotificationFilter{Limit: 10})
	if err != nil || len(notes) != 1 {
		t.Fatalf("bravo's notifications: %v %v", notes, err)
	}
	id := itoa(notes[0].ID)
	reqID := itoa(notes[0].RequestID)

	ann := a.signIn(t, "ann@acme.test")
	paths := []string{
		"/t/bravo/", "/t/bravo/notifications", "/t/bravo/notifications/" + id,
		"/t/bravo/requests/" + reqID, "/t/bravo/commands", "/t/bravo/settings", "/t/bravo/audit",
		"/t/acme/notifications/" + id, "/t/acme/requests/" + reqID,
		"/t/nosuch/notifications",
	}
	for _, p := range paths {
		res := ann.get(p)
		if res.status != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, res.status)
		}
		if strings.Contains(res.body, secret) || strings.Contains(res.body, "Bravo") {
			t.Errorf("GET %s: the body shows bravo's data", p)
		}
	}
	for _, p := range []string{"/t/bravo/settings", "/t/bravo/settings/rotate-hook", "/t/bravo/commands"} {
		if res := ann.post(p, url.Values{"command": {"create_lead"}}); res.status != http.StatusNotFound {
			t.Errorf("POST %s: got %d, want 404", p, res.status)
		}
	}
}
