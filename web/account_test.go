package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"citylink/web"
)

func TestAccount_PasswordChange(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "viewer")
	here, elsewhere := a.signIn(t, "ann@acme.test"), a.signIn(t, "ann@acme.test")
	const newPassword = "a brand new passphrase"

	t.Run("WrongCurrent", func(t *testing.T) {
		res := here.post("/account/password", url.Values{"current_password": {"nope nope nope"},
			"new_password": {newPassword}})
		if res.status != http.StatusUnauthorized {
			t.Errorf("got %d, want 401", res.status)
		}
	})
	t.Run("OK", func(t *testing.T) {
		res := here.post("/account/password", url.Values{"current_password": {testPassword},
			"new_password": {newPassword}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("got %d, want 303", res.status)
		}
		if res := here.get("/account"); res.status != http.StatusOK {
			t.Errorf("this session: got %d, want 200", res.status)
		}
		if res := elsewhere.get("/account"); res.status != http.StatusSeeOther {
			t.Errorf("the other session: got %d, want 303 to sign in", res.status)
		}
		for password, want := range map[string]int{testPassword: 401, newPassword: 303} {
			res := a.browser(t).post("/login",
				url.Values{"email": {"ann@acme.test"}, "password": {password}})
			if res.status != want {
				t.Errorf("sign in with %q: got %d, want %d", password, res.status, want)
			}
		}
	})
	if !hasAction(auditActions(t, a.db, acme), "password.changed") {
		t.Errorf("audit: want password.changed")
	}
}

func TestAccount_SignOutEverywhere(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "viewer")
	one, two := a.signIn(t, "ann@acme.test"), a.signIn(t, "ann@acme.test")
	if res := one.post("/account/sign-out-everywhere", nil); res.status != http.StatusSeeOther {
		t.Fatalf("got %d, want 303", res.status)
	}
	for name, b := range map[string]*browser{"this": one, "other": two} {
		if res := b.get("/t/acme/notifications"); res.status != http.StatusSeeOther ||
			res.header.Get("Location") != "/login" {
			t.Errorf("%s session: got %d, want 303 to /login", name, res.status)
		}
	}
	a.signIn(t, "ann@acme.test")
	if !hasAction(auditActions(t, a.db, acme), "signout.everywhere") {
		t.Errorf("audit: want signout.everywhere")
	}
}

func TestSignIn_Lockout(t *testing.T) {
	t.Run("Account", func(t *testing.T) {
		a := newTestApp(t)
		acme := mustCreateTenant(t, a.db, "acme")
		mustCreateMember(t, a.db, acme, "ann@acme.test", "viewer")
		b := a.browser(t)
		for i := range 5 {
			res := b.post("/login", url.Values{"email": {"ann@acme.test"}, "password": {"wrong guess"}})
			if res.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: got %d, want 401", i+1, res.status)
			}
		}
		checks := web.PasswordChecks()
		for i := range 2 {
			res := b.post("/login", url.Values{"email": {"ann@acme.test"}, "password": {testPassword}})
			retry, err := strconv.Atoi(res.header.Get("Retry-After"))
			if res.status != http.StatusTooManyRequests || err != nil || retry < 800 || retry > 900 {
				t.Errorf("try %d with the right password: got %d, Retry-After %q, want 429 and about 900",
					6+i, res.status, res.header.Get("Retry-After"))
			}
			if msg := testidText(res.body, "login-error"); !strings.Contains(msg, "Try again after") {
				t.Errorf("got %q, want the retry time", msg)
			}
		}
		if got := web.PasswordChecks() - checks; got != 0 {
			t.Errorf("got %d password checks while locked, want 0", got)
		}
		if !hasAction(auditActions(t, a.db, acme), "signin.failed") {
			t.Errorf("audit: want signin.failed")
		}
	})
	t.Run("Address", func(t *testing.T) {
		a := newTestApp(t)
		acme := mustCreateTenant(t, a.db, "acme")
		mustCreateMember(t, a.db, acme, "ann@acme.test", "viewer")
		b := a.browser(t)
		for i := range 5 {
			email := "nobody" + strconv.Itoa(i) + "@acme.test"
			res := b.post("/login", url.Values{"email": {email}, "password": {"x"}})
			if res.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: got %d, want 401", i+1, res.status)
			}
		}
		res := b.post("/login", url.Values{"email": {"ann@acme.test"}, "password": {testPassword}})
		if res.status != http.StatusTooManyRequests {
			t.Errorf("got %d, want 429 for the address", res.status)
		}
	})
}

func TestSignIn_ProductionCookie(t *testing.T) {
	a := newTestApp(t, func(c *web.Config) { c.SecureCookies = true })
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "viewer")
	res := a.browser(t).post("/login", url.Values{"email": {"ann@acme.test"}, "password": {testPassword}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("got %d, want 303", res.status)
	}
	cookies, err := http.ParseSetCookie(res.header.Get("Set-Cookie"))
	if err != nil {
		t.Fatalf("parse %q: %v", res.header.Get("Set-Cookie"), err)
	}
	c := cookies
	if c.Name != "__Host-citylink_session" || !c.Secure || !c.HttpOnly ||
		c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("got %+v, want __Host-citylink_session, Secure, HttpOnly, Lax, path /, no domain", c)
	}
	// The cookie lives as long as the idle timeout; each request renews it
	// up to the 12 hours of the session.
	if c.MaxAge < 29*60 || c.MaxAge > 30*60+1 {
		t.Errorf("Max-Age: got %d, want 30 minutes", c.MaxAge)
	}
}

func TestHome_TenantPicker(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	bravo := mustCreateTenant(t, a.db, "bravo")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "viewer")
	mustCreateMember(t, a.db, bravo, "ann@acme.test", "admin")
	ann := a.signIn(t, "ann@acme.test")

	res := ann.get("/")
	if res.status != http.StatusOK || !strings.Contains(res.body, `href="/t/acme/"`) ||
		!strings.Contains(res.body, `href="/t/bravo/"`) {
		t.Fatalf("picker: got %d, want links to both tenants", res.status)
	}
	res = ann.get("/t/acme/notifications")
	if res.status != http.StatusOK || !strings.Contains(res.body, `href="/t/bravo/"`) {
		t.Errorf("switcher: got %d, want a link to bravo", res.status)
	}
	if res := ann.get("/t/bravo/staff"); res.status != http.StatusOK {
		t.Errorf("bravo as admin: got %d, want 200", res.status)
	}
	if res := ann.get("/t/acme/staff"); res.status != http.StatusForbidden {
		t.Errorf("acme as viewer: got %d, want 403", res.status)
	}
}
