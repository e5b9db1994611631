package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"citylink/carcity"
	"citylink/db"
)

// simAccount is the simulated platform account the tests' tenants use.
var simAccount = carcity.Account{LoginID: "apiuser", Password: "APIuser123", CommKey: "commkey-123"}

// withSimulator starts a simulated platform and points the tenant's
// credentials at it.
func withSimulator(tb testing.TB, a *testApp, tenant db.Tenant, cfg carcity.SimConfig) *carcity.Simulator {
	tb.Helper()
	if len(cfg.Accounts) == 0 {
		cfg.Accounts = []carcity.Account{simAccount}
	}
	sim := carcity.NewSimulator(cfg)
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	mustSetCredentials(tb, a.db, tenant, db.CredentialsUpdate{
		ServiceURL: ptr(srv.URL + "/service"), LoginID: &simAccount.LoginID,
		Password: &simAccount.Password, CommKey: &simAccount.CommKey,
	})
	return sim
}

func TestCommands_Console(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	sim := withSimulator(t, a, acme, carcity.SimConfig{})
	b := a.signIn(t, "olga@acme.test")

	form := url.Values{
		"command": {"create_lead"},
		"param":   {"first_name", "last_name", "phone", "", "website"},
		"value":   {"Jane", "Roe", "+1 555 0100", "", "https://example.test/?a=1&b=2"},
	}
	res := b.post("/t/acme/commands", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("send: got %d, want 303; body %s", res.status, res.body)
	}
	page := b.get(res.header.Get("Location"))
	if page.status != http.StatusOK {
		t.Fatalf("result page: got %d", page.status)
	}
	for _, want := range []string{`data-testid="result-status"`, "Lead Creation Successful", "lead_id"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	if got := testidText(page.body, "result-status"); got != "0" {
		t.Errorf("status: got %q, want 0", got)
	}

	got := sim.Commands()
	if len(got) != 1 {
		t.Fatalf("the simulator got %d commands, want 1", len(got))
	}
	sent := map[string]string{}
	for _, p := range got[0].Params {
		sent[p.Name] = p.Value
	}
	if sent["phone"] != "+1 555 0100" || sent["website"] != "https://example.test/?a=1&b=2" {
		t.Errorf("values changed on the way: phone %q, website %q", sent["phone"], sent["website"])
	}

	attempts, err := a.db.FindCommandAttempts(t.Context(), acme.ID, db.CommandAttemptFilter{Limit: 10})
	if err != nil || len(attempts) != 1 {
		t.Fatalf("history: got %v (%v), want one attempt", attempts, err)
	}
	if attempts[0].Outcome != "ok" || attempts[0].Status == nil || *attempts[0].Status != 0 {
		t.Errorf("attempt: got outcome %q status %v, want ok 0", attempts[0].Outcome, attempts[0].Status)
	}
}

func TestCommands_FormErrorsKeepTheRows(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	sim := withSimulator(t, a, acme, carcity.SimConfig{})
	b := a.signIn(t, "olga@acme.test")

	res := b.post("/t/acme/commands", url.Values{
		"command": {"create_lead"},
		"param":   {"first_name", "", "ai_login_password"},
		"value":   {"Jane", "orphan value", "x"},
	})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("got %d, want 422", res.status)
	}
	for _, want := range []string{`value="Jane"`, `value="orphan value"`, "no name", "ai_login_password"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the form lost %q", want)
		}
	}
	if n := len(sim.Commands()); n != 0 {
		t.Errorf("sent %d commands, want none", n)
	}
}

func TestCommands_Unreachable(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL + "/service"
	srv.Close()
	mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{
		ServiceURL: &dead, LoginID: &simAccount.LoginID, Password: &simAccount.Password,
	})
	b := a.signIn(t, "olga@acme.test")
	res := b.post("/t/acme/commands", url.Values{"command": {"create_lead"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("got %d, want 303", res.status)
	}
	page := b.get(res.header.Get("Location"))
	if !strings.Contains(page.body, "refused") {
		t.Errorf("the page does not say the connection was refused")
	}
	attempts, err := a.db.FindCommandAttempts(t.Context(), acme.ID, db.CommandAttemptFilter{Limit: 10})
	if err != nil || len(attempts) != 1 || attempts[0].Outcome != "refused" {
		t.Fatalf("history: got %+v (%v), want one refused attempt", attempts, err)
	}
}
