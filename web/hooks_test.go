package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"citylink/db"
	"citylink/web"
)

// hookCases are the notification URL's conformance cases: a tenant with
// login apiuser, password APIuser123, and the request, the answer and how
// many notifications must be stored.
var hookCases = []struct {
	name       string
	authMode   string
	allowPlain bool
	body       string
	status     int
	answer     string // exact, when set
	stored     int
}{
	{name: "authenticate with key", authMode: "immediate",
		body: `{"request":"authenticate","key":"0123456789abcdefg"}`, status: 200,
		answer: `{"ai_login_id":"apiuser","ai_login_password":"8f3a4830f39f4ae665d3050123aa59bc"}`},
	{name: "authenticate without key, plain not allowed", authMode: "immediate",
		body: `{"request":"authenticate"}`, status: 200, answer: `{"status":"OK"}`},
	{name: "authenticate without key, plain allowed", authMode: "immediate", allowPlain: true,
		body: `{"request":"authenticate"}`, status: 200,
		answer: `{"ai_login_id":"apiuser","ai_login_password":"APIuser123"}`},
	{name: "passive mode", authMode: "passive",
		body: `{"request":"authenticate","key":"0123456789abcdefg"}`, status: 200, answer: `{"status":"OK"}`},
	{name: "the example delivery",
		body: `{"request":"delivery","messages":[{"type":"generic","data":"Hello World"},` +
			`{"type":"new_user","data":{"first_name":"John","last_name":"Doe"}}]}`,
		status: 200, answer: `{"status":"OK"}`, stored: 2},
	{name: "delivery without messages", body: `{"request":"delivery"}`,
		status: 200, answer: `{"status":"OK"}`},
	{name: "delivery with an empty list", body: `{"request":"delivery","messages":[]}`,
		status: 200, answer: `{"status":"OK"}`},
	{name: "data of any JSON kind",
		body: `{"request":"delivery","messages":[{"type":"count","data":42},` +
			`{"type":"flags","data":[true,null]},{"type":"note","data":null}]}`,
		status: 200, answer: `{"status":"OK"}`, stored: 3},
	{name: "invalid JSON", body: `{"request":"delivery",`, status: 400},
	{name: "empty body", body: ``, status: 400},
	{name: "no request field", body: `{"messages":[]}`, status: 400},
	{name: "unknown request", body: `{"request":"ping"}`, status: 400},
	{name: "messages not a list", body: `{"request":"delivery","messages":{"type":"generic"}}`, status: 400},
	{name: "message without a type",
		body:   `{"request":"delivery","messages":[{"type":"generic","data":"a"},{"data":"b"}]}`,
		status: 400},
}

func TestHooks(t *testing.T) {
	for _, tc := range hookCases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			tenant := mustCreateTenant(t, a.db, "acme")
			mode := tc.authMode
			if mode == "" {
				mode = "immediate"
			}
			mustSetCredentials(t, a.db, tenant, db.CredentialsUpdate{
				LoginID: ptr("apiuser"), Password: ptr("APIuser123"), CommKey: ptr("ck"),
				AuthMode: &mode, AllowPlain: &tc.allowPlain,
			})

			res := postHook(t, a.srv.URL, web.NotificationPath(tenant), tc.body)
			if res.status != tc.status {
				t.Fatalf("status: got %d, want %d; body %s", res.status, tc.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type: got %q, want application/json", ct)
			}
			if tc.answer != "" && res.body != tc.answer {
				t.Errorf("answer: got %s, want %s", res.body, tc.answer)
			}
			if tc.status >= 400 && !strings.Contains(res.body, `"status":"ERROR"`) {
				t.Errorf("error answer: got %s, want a JSON error", res.body)
			}
			if got := countNotifications(t, a.db, tenant); got != tc.stored {
				t.Errorf("stored: got %d notifications, want %d", got, tc.stored)
			}
			if got := countRequests(t, a.db, tenant); got != 1 {
				t.Errorf("recorded: got %d requests, want 1", got)
			}
		})
	}
}

func countNotifications(tb testing.TB, d *db.DB, t db.Tenant) int {
	tb.Helper()
	n, err := d.FindNotifications(context.Background(), t.ID,
		db.NotificationFilter{WithRepeats: true, Limit: 1000})
	if err != nil {
		tb.Fatalf("find notifications: %v", err)
	}
	return len(n)
}

func countRequests(tb testing.TB, d *db.DB, t db.Tenant) int {
	tb.Helper()
	r, err := d.FindHookRequests(context.Background(), t.ID, db.HookRequestFilter{Limit: 1000})
	if err != nil {
		tb.Fatalf("find hook requests: %v", err)
	}
	return len(r)
}

func TestHooks_UnknownToken(t *testing.T) {
	a := newTestApp(t)
	mustCreateTenant(t, a.db, "acme")
	var answers []string
	for _, path := range []string{"/hooks/nope", "/hooks/" + strings.Repeat("A", 43)} {
		res := postHook(t, a.srv.URL, path, `{"request":"delivery"}`)
		if res.status != http.StatusNotFound {
			t.Errorf("%s: got status %d, want 404", path, res.status)
		}
		answers = append(answers, res.body)
	}
	if answers[0] != answers[1] {
		t.Errorf("answers differ by token: %q and %q", answers[0], answers[1])
	}
}

func TestHooks_TooLarge(t *testing.T) {
	a := newTestApp(t, func(c *web.Config) { c.HookBodyLimit = 64 })
	tenant := mustCreateTenant(t, a.db, "acme")
	body := `{"request":"delivery","messages":[{"type":"generic","data":"` + strings.Repeat("x", 100) + `"}]}`
	res := postHook(t, a.srv.URL, web.NotificationPath(tenant), body)
	if res.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("got status %d, want 413", res.status)
	}
	if got := countNotifications(t, a.db, tenant); got != 0 {
		t.Errorf("stored: got %d, want 0", got)
	}
	reqs, err := a.db.FindHookRequests(context.Background(), tenant.ID, db.HookRequestFilter{Limit: 10})
	if err != nil || len(reqs) != 1 || reqs[0].Outcome != "rejected" {
		t.Fatalf("recorded: got %+v (%v), want one rejected request", reqs, err)
	}
}

func TestHooks_Repeat(t *testing.T) {
	a := newTestApp(t)
	tenant := mustCreateTenant(t, a.db, "acme")
	path := web.NotificationPath(tenant)
	first := `{"request":"delivery","messages":[{"type":"simple","data":{"a":1,"b":2}}]}`
	again := `{"request":"delivery","messages":[{"type":"simple","data":{"b":2, "a":1}}]}`
	for _, body := range []string{first, again} {
		if res := postHook(t, a.srv.URL, path, body); res.status != http.StatusOK {
			t.Fatalf("got status %d, want 200", res.status)
		}
	}
	all, err := a.db.FindNotifications(context.Background(), tenant.ID,
		db.NotificationFilter{WithRepeats: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("got %d notifications, want 2 (the repeat is stored too)", len(all))
	}
	newest, oldest := all[0], all[1]
	if newest.RepeatOf == nil || *newest.RepeatOf != oldest.ID {
		t.Errorf("repeat_of: got %v, want %d", newest.RepeatOf, oldest.ID)
	}
	if oldest.RepeatOf != nil {
		t.Errorf("the first delivery is marked a repeat of %d", *oldest.RepeatOf)
	}
	plain, err := a.db.FindNotifications(context.Background(), tenant.ID, db.NotificationFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 1 || plain[0].ID != oldest.ID {
		t.Errorf("without repeats: got %d rows, want only the first", len(plain))
	}
}

func TestHooks_DisabledTenant(t *testing.T) {
	a := newTestApp(t)
	tenant := mustCreateTenant(t, a.db, "acme")
	if err := a.db.UpdateTenantDisabled(context.Background(), tenant.ID, true); err != nil {
		t.Fatal(err)
	}
	res := postHook(t, a.srv.URL, web.NotificationPath(tenant),
		`{"request":"delivery","messages":[{"type":"simple","data":"x"}]}`)
	if res.status < 500 || strings.Contains(res.body, `"OK"`) {
		t.Fatalf("got %d %s, want an error that is not OK", res.status, res.body)
	}
	if got := countNotifications(t, a.db, tenant); got != 0 {
		t.Errorf("stored: got %d, want 0", got)
	}
}

// TestHooks_CommitFails makes the delivery's COMMIT itself fail, with a
// deferred constraint trigger, and checks that the platform is told to send
// again and that nothing of the delivery was kept but the record of the
// failed request.
func TestHooks_CommitFails(t *testing.T) {
	a := newTestApp(t)
	tenant := mustCreateTenant(t, a.db, "acme")
	a.mustExecAsOwner(t, `
		CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			RAISE EXCEPTION 'refused at commit';
		END $$;
		CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON notifications
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
			WHEN (NEW.type = 'fail-at-commit') EXECUTE FUNCTION fail_at_commit();`)

	body := `{"request":"delivery","messages":[{"type":"generic","data":"kept"},` +
		`{"type":"fail-at-commit","data":1}]}`
	res := postHook(t, a.srv.URL, web.NotificationPath(tenant), body)
	if res.status != http.StatusInternalServerError {
		t.Fatalf("got status %d, want 500", res.status)
	}
	if !strings.Contains(res.body, `"status":"ERROR"`) {
		t.Errorf("got %s, want an ERROR answer", res.body)
	}
	if got := countNotifications(t, a.db, tenant); got != 0 {
		t.Errorf("stored: got %d notifications, want 0", got)
	}
	reqs, err := a.db.FindHookRequests(context.Background(), tenant.ID, db.HookRequestFilter{Limit: 10})
	if err != nil || len(reqs) != 1 || reqs[0].Outcome != "error" {
		t.Fatalf("recorded: got %+v (%v), want one request with outcome error", reqs, err)
	}
}

// TestHooks_AuthenticateOurFault checks that a handshake Citylink cannot
// answer, for want of credentials or because they cannot be read, is
// answered 503, recorded with outcome error and audited.
func TestHooks_AuthenticateOurFault(t *testing.T) {
	cases := map[string]func(a *testApp, tenant db.Tenant){
		"no credentials saved": func(*testApp, db.Tenant) {},
		"credentials not readable": func(a *testApp, tenant db.Tenant) {
			mustSetCredentials(t, a.db, tenant, db.CredentialsUpdate{
				LoginID: ptr("apiuser"), Password: ptr("APIuser123")})
			a.mustExecAsOwner(t, `SELECT set_config('citylink.tenant_id', '`+itoa(tenant.ID)+`', false);
				UPDATE platform_credentials SET password_sealed = '\x00'::bytea`)
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			a := newTestApp(t)
			tenant := mustCreateTenant(t, a.db, "acme")
			setup(a, tenant)
			res := postHook(t, a.srv.URL, web.NotificationPath(tenant), `{"request":"authenticate"}`)
			if res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, `"ERROR"`) {
				t.Errorf("answer: got %d %s, want 503 with an ERROR answer", res.status, res.body)
			}
			ctx := context.Background()
			reqs, err := a.db.FindHookRequests(ctx, tenant.ID, db.HookRequestFilter{Limit: 10})
			if err != nil || len(reqs) != 1 || reqs[0].Outcome != "error" {
				t.Errorf("recorded: got %+v (%v), want one request with outcome error", reqs, err)
			}
			events, err := a.db.FindAuditEvents(ctx, tenant.ID,
				db.AuditFilter{Action: "platform.authenticate", Limit: 10})
			if err != nil || len(events) != 1 {
				t.Errorf("audited: got %d events (%v), want 1", len(events), err)
			}
		})
	}
}

func TestHooks_OtherMethod(t *testing.T) {
	a := newTestApp(t)
	tenant := mustCreateTenant(t, a.db, "acme")
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		req, err := http.NewRequest(method, a.srv.URL+web.NotificationPath(tenant), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST" ||
			res.Header.Get("Content-Type") != "application/json" ||
			!strings.Contains(string(body), `"ERROR"`) {
			t.Errorf("%s: got %d, Allow %q, %s, want 405 JSON with Allow: POST",
				method, res.StatusCode, res.Header.Get("Allow"), body)
		}
	}
	reqs, err := a.db.FindHookRequests(context.Background(), tenant.ID, db.HookRequestFilter{Limit: 10})
	if err != nil || len(reqs) != 3 || reqs[0].Outcome != "rejected" {
		t.Errorf("recorded: got %d requests (%v), want 3 rejected", len(reqs), err)
	}
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/hooks/nope", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("unknown token: got %d %s, want 404 JSON", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
