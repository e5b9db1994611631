package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"citylink/db"
	"citylink/web"
)

// TestHooks_AnswerRedacted checks that a handshake answered with the md5
// or the plain password is recorded without it: both prove the password.
func TestHooks_AnswerRedacted(t *testing.T) {
	cases := []struct {
		name, body, secret string
	}{
		{"MD5", `{"request":"authenticate","key":"0123456789abcdefg"}`, "8f3a4830f39f4ae665d3050123aa59bc"},
		{"Plain", `{"request":"authenticate"}`, "APIuser123"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			tenant := mustCreateTenant(t, a.db, "acme")
			mustSetCredentials(t, a.db, tenant, db.CredentialsUpdate{
				LoginID: ptr("apiuser"), Password: ptr("APIuser123"), AllowPlain: ptr(true),
			})
			res := postHook(t, a.srv.URL, web.NotificationPath(tenant), tc.body)
			if res.status != http.StatusOK || !strings.Contains(res.body, tc.secret) {
				t.Fatalf("answer: got %d %s, want 200 with the %s", res.status, res.body, tc.name)
			}
			reqs, err := a.db.FindHookRequests(context.Background(), tenant.ID, db.HookRequestFilter{Limit: 10})
			if err != nil || len(reqs) != 1 {
				t.Fatalf("recorded: got %d (%v), want 1", len(reqs), err)
			}
			if strings.Contains(reqs[0].AnswerBody, tc.secret) || !strings.Contains(reqs[0].AnswerBody, "[redacted]") {
				t.Errorf("recorded answer: got %s, want the password redacted", reqs[0].AnswerBody)
			}
			page := a.browserAs(t, tenant, "owner").get("/t/acme/requests/" + itoa(reqs[0].ID))
			if page.status != http.StatusOK || strings.Contains(page.body, tc.secret) {
				t.Errorf("request page: got %d, and the secret shown: %v", page.status,
					strings.Contains(page.body, tc.secret))
			}
		})
	}
}

// browserAs signs in a new member of tenant with role.
func (a *testApp) browserAs(tb testing.TB, tenant db.Tenant, role string) *browser {
	tb.Helper()
	email := role + "-" + tenant.Slug + "@example.test"
	mustCreateMember(tb, a.db, tenant, email, role)
	return a.signIn(tb, email)
}
