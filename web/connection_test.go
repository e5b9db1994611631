package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"citylink/carcity"
	"citylink/db"
	"citylink/web"
)

func TestSettings_TestConnection(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/service"
	dead.Close()
	cases := []struct {
		name   string
		setup  func(t *testing.T, a *testApp, tenant db.Tenant)
		wantOK bool
		text   string
	}{
		{"Works", func(t *testing.T, a *testApp, tenant db.Tenant) {
			withSimulator(t, a, tenant, carcity.SimConfig{})
		}, true, "work"},
		{"BadPassword", func(t *testing.T, a *testApp, tenant db.Tenant) {
			withSimulator(t, a, tenant, carcity.SimConfig{})
			mustSetCredentials(t, a.db, tenant, db.CredentialsUpdate{Password: ptr("wrong")})
		}, false, "refused the credentials"},
		{"DeadURL", func(t *testing.T, a *testApp, tenant db.Tenant) {
			failingPlatform(t, a, tenant, deadURL)
		}, false, "does not work"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			acme := mustCreateTenant(t, a.db, "acme")
			mustCreateMember(t, a.db, acme, "ada@acme.test", "admin")
			tc.setup(t, a, acme)
			b := a.signIn(t, "ada@acme.test")

			res := b.post("/t/acme/settings/test", url.Values{})
			if res.status != http.StatusSeeOther {
				t.Fatalf("test: got %d, want 303", res.status)
			}
			page := b.get(res.header.Get("Location"))
			got := testidText(page.body, "connection-test-result")
			if !strings.Contains(got, tc.text) {
				t.Errorf("verdict: got %q, want %q", got, tc.text)
			}
			if ok := strings.Contains(page.body, "alert-ok"); ok != tc.wantOK {
				t.Errorf("shown as working: got %v, want %v", ok, tc.wantOK)
			}
			if at := lastAttempt(t, a, acme); at.Source != "test" {
				t.Errorf("history: got source %q, want test", at.Source)
			}
		})
	}
	t.Run("OperatorMayNot", func(t *testing.T) {
		a := newTestApp(t)
		acme := mustCreateTenant(t, a.db, "acme")
		mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
		b := a.signIn(t, "olga@acme.test")
		if res := b.post("/t/acme/settings/test", url.Values{}); res.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", res.status)
		}
	})
}

func TestSettings_CommandTimeout(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ada@acme.test", "admin")
	b := a.signIn(t, "ada@acme.test")
	form := url.Values{"service_url": {"https://platform.example/service"}, "login_id": {"x"},
		"auth_mode": {"immediate"}, "command_auth": {"plain"}}

	form.Set("command_timeout_seconds", "500")
	if res := b.post("/t/acme/settings", form); res.status != http.StatusUnprocessableEntity {
		t.Errorf("500 s: got %d, want 422", res.status)
	}
	form.Set("command_timeout_seconds", "5")
	if res := b.post("/t/acme/settings", form); res.status != http.StatusSeeOther {
		t.Fatalf("5 s: got %d, want 303", res.status)
	}
	c, err := a.db.FindCredentials(t.Context(), acme.ID)
	if err != nil || c.CommandTimeoutSeconds != 5 {
		t.Errorf("got %d (%v), want 5", c.CommandTimeoutSeconds, err)
	}
}

// TestFollowUp_RetriesThenSucceeds has the platform fail
// authenticate_notifications twice after a passive handshake: the job
// tries again and the third try confirms it.
func TestFollowUp_RetriesThenSucceeds(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ada@acme.test", "admin")
	sim := withSimulator(t, a, acme, carcity.SimConfig{})
	mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{AuthMode: ptr("passive")})
	sim.SetFailCommands(2)

	res := postHook(t, a.srv.URL, web.NotificationPath(acme), `{"request":"authenticate","key":"k"}`)
	if res.status != http.StatusOK {
		t.Fatalf("handshake: got %d", res.status)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := sim.WaitAuthenticated(ctx); err != nil {
		t.Fatalf("never authenticated: %v", err)
	}
	var f db.HandshakeFollowUp
	for f.State != "succeeded" {
		select {
		case <-ctx.Done():
			t.Fatalf("follow-up state: got %+v, want succeeded", f)
		case <-time.After(20 * time.Millisecond):
		}
		f, _ = a.db.FindHandshakeFollowUp(ctx, acme.ID)
	}
	if f.Attempts != 3 {
		t.Errorf("tries: got %d, want 3", f.Attempts)
	}
	var outcomes []string
	for _, c := range sim.Commands() {
		outcomes = append(outcomes, c.Command+":"+itoa(int64(c.HTTPStatus)))
	}
	if want := "authenticate_notifications:500 authenticate_notifications:500 " +
		"authenticate_notifications:200"; strings.Join(outcomes, " ") != want {
		t.Errorf("platform got %v, want %s", outcomes, want)
	}
	events, err := a.db.FindAuditEvents(ctx, acme.ID,
		db.AuditFilter{Action: "handshake.follow_up", Limit: 5})
	if err != nil || len(events) != 1 || events[0].Details["result"] != "succeeded" {
		t.Errorf("audit: got %+v (%v), want one succeeded follow-up", events, err)
	}
	page := a.signIn(t, "ada@acme.test").get("/t/acme/settings")
	if got := testidText(page.body, "follow-up-state"); got != "succeeded" {
		t.Errorf("settings page: got state %q, want succeeded", got)
	}
	if got := testidText(page.body, "follow-up-attempts"); got != "3" {
		t.Errorf("settings page: got %q tries, want 3", got)
	}
}
