package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"citylink/carcity"
	"citylink/db"
	"citylink/web"
)

// allowOnly replaces the tests' loopback allowance.
func allowOnly(prefixes ...string) func(*web.Config) {
	return func(c *web.Config) {
		c.AllowTargets = nil
		for _, p := range prefixes {
			c.AllowTargets = append(c.AllowTargets, netip.MustParsePrefix(p))
		}
	}
}

func TestCommands_OutboundRefusals(t *testing.T) {
	sim := carcity.NewSimulator(carcity.SimConfig{Accounts: []carcity.Account{simAccount}})
	secure := quietTLSServer(t, sim)
	plain := httptest.NewServer(sim)
	t.Cleanup(plain.Close)
	port := secure.URL[strings.LastIndex(secure.URL, ":"):]

	cases := []struct {
		name    string
		allow   []string
		url     string
		message string
	}{
		{"LocalhostName", nil, "https://localhost" + port + "/service", "reserved address"},
		{"Metadata", nil, "https://169.254.169.254/service", "reserved address"},
		{"PrivateRange", nil, "https://10.1.2.3/service", "reserved address"},
		{"UniqueLocal", nil, "https://[fd00::1]/service", "reserved address"},
		{"PlainHTTPNotAllowed", []string{"10.0.0.0/8"}, plain.URL + "/service", "only over https"},
		{"OtherScheme", nil, "ftp://example.test/service", "https://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t, allowOnly(tc.allow...))
			acme := mustCreateTenant(t, a.db, "acme")
			mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
			failingPlatform(t, a, acme, tc.url)
			b := a.signIn(t, "olga@acme.test")

			page := sendForm(t, b, "acme", formValues("create_lead", "first_name", "Jane"))
			got := lastAttempt(t, a, acme)
			if got.Outcome != "blocked" || !strings.Contains(got.Error, tc.message) {
				t.Errorf("got %q %q, want blocked naming %q", got.Outcome, got.Error, tc.message)
			}
			if !strings.Contains(page.body, "Not sent") {
				t.Errorf("the page does not say the command was not sent")
			}
			if n := len(sim.Commands()); n != 0 {
				t.Errorf("the platform got %d commands, want none", n)
			}
		})
	}

	t.Run("AllowedLoopback", func(t *testing.T) {
		a := newTestApp(t, allowOnly("127.0.0.0/8"))
		acme := mustCreateTenant(t, a.db, "acme")
		mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
		failingPlatform(t, a, acme, plain.URL+"/service")
		b := a.signIn(t, "olga@acme.test")
		sendForm(t, b, "acme", formValues("create_lead", "first_name", "Jane", "last_name", "Roe"))
		if got := lastAttempt(t, a, acme); got.Outcome != "ok" {
			t.Errorf("got %q %q, want ok", got.Outcome, got.Error)
		}
	})
}

func TestCommands_RedirectToOtherHost(t *testing.T) {
	sim := carcity.NewSimulator(carcity.SimConfig{Accounts: []carcity.Account{simAccount}})
	target := httptest.NewServer(sim)
	t.Cleanup(target.Close)
	// The same simulator by another name: a different host to the client.
	other := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other+"/service", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)

	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	failingPlatform(t, a, acme, redirector.URL+"/service")
	b := a.signIn(t, "olga@acme.test")
	sendForm(t, b, "acme", formValues("create_lead", "first_name", "Jane"))
	got := lastAttempt(t, a, acme)
	if got.Outcome != "blocked" || !strings.Contains(got.Error, "another host") {
		t.Errorf("got %q %q, want blocked for the redirect", got.Outcome, got.Error)
	}
	if n := len(sim.Commands()); n != 0 {
		t.Errorf("the redirect was followed: the platform got %d commands", n)
	}
}

func TestCommands_RateLimit(t *testing.T) {
	a := newTestApp(t, func(c *web.Config) { c.CommandRate = 2 })
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	sim := withSimulator(t, a, acme, carcity.SimConfig{})
	b := a.signIn(t, "olga@acme.test")

	form := formValues("create_lead", "first_name", "Jane", "last_name", "Roe")
	for range 2 {
		sendForm(t, b, "acme", form)
	}
	res := b.post("/t/acme/commands", form)
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "Too many commands") {
		t.Errorf("third command: got %d, want 429 saying too many commands", res.status)
	}
	if !strings.Contains(res.body, `value="Jane"`) {
		t.Errorf("the refused form lost its values")
	}
	if n := len(sim.Commands()); n != 2 {
		t.Errorf("the platform got %d commands, want 2", n)
	}
	as, err := a.db.FindCommandAttempts(t.Context(), acme.ID, db.CommandAttemptFilter{Limit: 10})
	if err != nil || len(as) != 2 {
		t.Errorf("history: got %d attempts (%v), want 2: a refused command is not recorded", len(as), err)
	}

	// Another tenant has a bucket of its own.
	beta := mustCreateTenant(t, a.db, "beta")
	mustCreateMember(t, a.db, beta, "olga@acme.test", "operator")
	withSimulator(t, a, beta, carcity.SimConfig{})
	if res := b.post("/t/beta/commands", form); res.status != http.StatusSeeOther {
		t.Errorf("another tenant: got %d, want 303", res.status)
	}
}
