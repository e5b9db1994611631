package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"citylink/db"
)

// mustInvite makes an invite on the staff page and returns its link's path.
func mustInvite(tb testing.TB, b *browser, slug, email, role string) string {
	tb.Helper()
	res := b.post("/t/"+slug+"/staff/invites", url.Values{"email": {email}, "role": {role}})
	if res.status != http.StatusOK {
		tb.Fatalf("invite %s: got %d, want 200", email, res.status)
	}
	link := attrOf(res.body, "invite-link", "value")
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/invite/") {
		tb.Fatalf("invite link: got %q, want an /invite/ URL", link)
	}
	return u.Path
}

// auditActions lists the tenant's audit actions, newest first.
func auditActions(tb testing.TB, d *db.DB, t db.Tenant) []string {
	tb.Helper()
	es, err := d.FindAuditEvents(context.Background(), t.ID, db.AuditFilter{Limit: 100})
	if err != nil {
		tb.Fatal(err)
	}
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	return actions
}

func hasAction(actions []string, want string) bool {
	for _, a := range actions {
		if a == want {
			return true
		}
	}
	return false
}

func TestStaff_InviteNewUser(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")
	ann := a.signIn(t, "ann@acme.test")

	link := mustInvite(t, ann, "acme", "Vic@Acme.test", "viewer")
	vic := a.browser(t)
	if res := vic.get(link); res.status != http.StatusOK || !strings.Contains(res.body, "vic@acme.test") {
		t.Fatalf("invite page: got %d, want 200 naming vic@acme.test", res.status)
	}
	res := vic.post(link, url.Values{"password": {"short"}, "confirm": {"short"}})
	if res.status != http.StatusUnprocessableEntity || testidText(res.body, "invite-error") == "" {
		t.Errorf("weak password: got %d, want 422 with an error", res.status)
	}
	res = vic.post(link, url.Values{"password": {testPassword}, "confirm": {testPassword}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/t/acme/" {
		t.Fatalf("accept: got %d to %q, want 303 to /t/acme/", res.status, res.header.Get("Location"))
	}
	res = vic.get("/t/acme/settings")
	if res.status != http.StatusOK || strings.Contains(res.body, `data-testid="settings-form"`) {
		t.Errorf("settings as viewer: got %d, want 200 without the form", res.status)
	}
	again := a.browser(t).post(link, url.Values{"password": {testPassword}, "confirm": {testPassword}})
	if again.status != http.StatusNotFound {
		t.Errorf("link used twice: got %d, want 404", again.status)
	}
	a.signIn(t, "vic@acme.test")

	actions := auditActions(t, a.db, acme)
	for _, want := range []string{"invite.sent", "invite.accepted"} {
		if !hasAction(actions, want) {
			t.Errorf("audit: got %v, want %s", actions, want)
		}
	}
}

func TestStaff_InviteExistingUser(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	bravo := mustCreateTenant(t, a.db, "bravo")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "owner")
	mustCreateMember(t, a.db, bravo, "bob@bravo.test", "owner")
	link := mustInvite(t, a.signIn(t, "ann@acme.test"), "acme", "bob@bravo.test", "operator")

	t.Run("OtherUserSignedIn", func(t *testing.T) {
		mustCreateMember(t, a.db, bravo, "eve@bravo.test", "viewer")
		if res := a.signIn(t, "eve@bravo.test").post(link, url.Values{}); res.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", res.status)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		res := a.browser(t).post(link, url.Values{"password": {"not the password"}})
		if res.status != http.StatusUnauthorized {
			t.Errorf("got %d, want 401", res.status)
		}
	})
	t.Run("SignIn", func(t *testing.T) {
		bob := a.browser(t)
		res := bob.post(link, url.Values{"password": {testPassword}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("got %d, want 303", res.status)
		}
		if res := bob.get("/t/acme/commands"); res.status != http.StatusOK {
			t.Errorf("acme as bob: got %d, want 200", res.status)
		}
		if res := bob.get("/"); res.status != http.StatusOK || !strings.Contains(res.body, "Acme Motors") ||
			!strings.Contains(res.body, "Bravo Motors") {
			t.Errorf("picker: got %d, want both tenants", res.status)
		}
	})
}

func TestStaff_Roles(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	owner := mustCreateMember(t, a.db, acme, "olive@acme.test", "owner")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")
	vic := mustCreateMember(t, a.db, acme, "vic@acme.test", "viewer")
	ann := a.signIn(t, "ann@acme.test")

	t.Run("AdminChangesViewer", func(t *testing.T) {
		res := ann.post("/t/acme/staff/"+itoa(vic.ID)+"/role", url.Values{"role": {"operator"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("got %d, want 303", res.status)
		}
		m, err := a.db.FindMember(context.Background(), acme.ID, vic.ID)
		if err != nil || m.Role != "operator" {
			t.Errorf("got %+v, %v, want operator", m, err)
		}
	})
	t.Run("AdminCannotTouchOwner", func(t *testing.T) {
		for _, action := range []string{"/role", "/remove"} {
			res := ann.post("/t/acme/staff/"+itoa(owner.ID)+action, url.Values{"role": {"viewer"}})
			if res.status != http.StatusForbidden {
				t.Errorf("%s: got %d, want 403", action, res.status)
			}
		}
	})
	t.Run("AdminCannotMakeOwners", func(t *testing.T) {
		res := ann.post("/t/acme/staff/"+itoa(vic.ID)+"/role", url.Values{"role": {"owner"}})
		if res.status != http.StatusBadRequest {
			t.Errorf("promote: got %d, want 400", res.status)
		}
		res = ann.post("/t/acme/staff/invites", url.Values{"email": {"x@acme.test"}, "role": {"owner"}})
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("invite an owner: got %d, want 422", res.status)
		}
	})
	t.Run("LastOwner", func(t *testing.T) {
		olive := a.signIn(t, "olive@acme.test")
		res := olive.post("/t/acme/staff/"+itoa(owner.ID)+"/role", url.Values{"role": {"admin"}})
		if res.status != http.StatusConflict {
			t.Errorf("got %d, want 409", res.status)
		}
	})
	t.Run("PermissionTable", func(t *testing.T) {
		res := ann.get("/t/acme/staff")
		table := testidText(res.body, "permission-table")
		const head = "Permission owner admin operator viewer"
		if res.status != http.StatusOK || !strings.HasPrefix(table, head) {
			t.Errorf("got %d, %q, want the table with a column per role", res.status, table)
		}
		if n := strings.Count(table, "Send commands ✓ ✓ ✓ –"); n != 1 {
			t.Errorf("got %q, want send commands for all but viewers", table)
		}
	})
	t.Run("RemovalEndsAccessAtOnce", func(t *testing.T) {
		vicB := a.signIn(t, "vic@acme.test")
		if res := vicB.get("/t/acme/notifications"); res.status != http.StatusOK {
			t.Fatalf("before: got %d, want 200", res.status)
		}
		if res := ann.post("/t/acme/staff/"+itoa(vic.ID)+"/remove", nil); res.status != http.StatusSeeOther {
			t.Fatalf("remove: got %d, want 303", res.status)
		}
		if res := vicB.get("/t/acme/notifications"); res.status != http.StatusNotFound {
			t.Errorf("after: got %d, want 404", res.status)
		}
	})
	t.Run("OwnRoleChangeRenewsToken", func(t *testing.T) {
		self := mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")
		res := ann.post("/t/acme/staff/"+itoa(self.ID)+"/role", url.Values{"role": {"operator"}})
		cookie := res.header.Get("Set-Cookie")
		if res.status != http.StatusSeeOther || !strings.Contains(cookie, "citylink_session=") {
			t.Errorf("got %d with cookie %q, want 303 with a new session cookie", res.status, cookie)
		}
	})

	actions := auditActions(t, a.db, acme)
	for _, want := range []string{"member.role_changed", "member.removed"} {
		if !hasAction(actions, want) {
			t.Errorf("audit: got %v, want %s", actions, want)
		}
	}
}

// attrOf is an attribute of the first element with this data-testid; ""
// when there is none.
func attrOf(body, id, attr string) string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return ""
	}
	for n := range doc.Descendants() {
		var testid, val string
		for _, at := range n.Attr {
			switch at.Key {
			case "data-testid":
				testid = at.Val
			case attr:
				val = at.Val
			}
		}
		if n.Type == html.ElementNode && testid == id {
			return val
		}
	}
	return ""
}

// TestStaff_InviteToSuspendedTenant checks that a suspended tenant cannot
// be joined through an invite made before the suspension.
func TestStaff_InviteToSuspendedTenant(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")
	link := mustInvite(t, a.signIn(t, "ann@acme.test"), "acme", "vic@acme.test", "viewer")
	if err := a.db.UpdateTenantDisabled(context.Background(), acme.ID, true); err != nil {
		t.Fatal(err)
	}
	res := a.browser(t).post(link, url.Values{"password": {testPassword}, "confirm": {testPassword}})
	if res.status != http.StatusForbidden {
		t.Fatalf("accept while suspended: got %d, want 403", res.status)
	}
	if _, err := a.db.FindUserByEmail(context.Background(), "vic@acme.test"); err == nil {
		t.Errorf("the invited user was created although the tenant is suspended")
	}
}
