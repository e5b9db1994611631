package web_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"citylink/carcity"
	"citylink/db"
)

// siteUser is the simulated dealer site's user for the user commands.
var siteUser = carcity.SiteUser{ID: 7, Username: "jane", Password: "site-pass-1"}

// formValues posts a catalogue form as the browser does: every known
// field is a param and a value, blank ones included.
func formValues(command string, fields ...string) url.Values {
	v := url.Values{"command": {command}}
	for i := 0; i+1 < len(fields); i += 2 {
		v["param"] = append(v["param"], fields[i])
		v["value"] = append(v["value"], fields[i+1])
	}
	return v
}

// lastAttempt is the tenant's newest command attempt.
func lastAttempt(tb testing.TB, a *testApp, tenant db.Tenant) db.CommandAttempt {
	tb.Helper()
	as, err := a.db.FindCommandAttempts(tb.Context(), tenant.ID, db.CommandAttemptFilter{Limit: 1})
	if err != nil || len(as) != 1 {
		tb.Fatalf("last attempt: got %v (%v), want one", as, err)
	}
	return as[0]
}

// sendForm posts the console form and returns the result page it leads to.
func sendForm(tb testing.TB, b *browser, slug string, form url.Values) response {
	tb.Helper()
	res := b.post("/t/"+slug+"/commands", form)
	if res.status != http.StatusSeeOther {
		tb.Fatalf("send %s: got %d, want 303; body %s", form.Get("command"), res.status, res.body)
	}
	return b.get(res.header.Get("Location"))
}

func TestCommands_Forms(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	sim := withSimulator(t, a, acme, carcity.SimConfig{SiteUsers: []carcity.SiteUser{siteUser}})
	b := a.signIn(t, "olga@acme.test")

	cases := []struct {
		name      string
		form      url.Values
		wantSent  map[string]string
		wantField string // a result field the answer must show
	}{
		{"CreateLead", formValues("create_lead", "first_name", "Jane", "last_name", "Roe",
			"email", "", "phone", "+1 555 0100", "ok_to_text", "Y", "zip", "", "notes", `{"a":1}`),
			map[string]string{"first_name": "Jane", "phone": "+1 555 0100", "ok_to_text": "Y",
				"notes": `{"a":1}`}, "lead_id"},
		{"ValidateUser", formValues("validate_user", "username", "jane", "password", "site-pass-1"),
			map[string]string{"username": "jane"}, "validation"},
		{"UserLoginToken", formValues("user_login_token", "username", "jane",
			"password", "site-pass-1", "reissue", "1", "expiration", "600"),
			map[string]string{"reissue": "1", "expiration": "600"}, "ai_token"},
		{"UserLoginTokenUpdate", formValues("user_login_token_update", "username", "jane",
			"password", "site-pass-1", "expiration", "900"),
			map[string]string{"expiration": "900"}, "ai_expiration"},
		{"SendSystemEmail", formValues("send_system_email", "id", "", "title", "Welcome",
			"to", "jane@example.test", "from", "", "subject", "", "vars", `{"first_name":"Jane"}`,
			"allow_html", ""),
			map[string]string{"title": "Welcome", "to": "jane@example.test"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sim.Commands())
			page := sendForm(t, b, "acme", tc.form)
			if got := testidText(page.body, "result-status"); got != "0" {
				t.Fatalf("status: got %q, want 0; page %s", got, testidText(page.body, "command-result"))
			}
			if tc.wantField != "" && !strings.Contains(page.body, `data-name="`+tc.wantField+`"`) {
				t.Errorf("the answer lacks the field %s", tc.wantField)
			}
			cmds := sim.Commands()
			if len(cmds) != before+1 {
				t.Fatalf("the simulator got %d commands, want %d", len(cmds), before+1)
			}
			got := cmds[len(cmds)-1]
			for name, want := range tc.wantSent {
				if v := got.Params.Get(name); v != want {
					t.Errorf("%s: got %q, want %q", name, v, want)
				}
			}
			// Known fields left blank are not sent at all.
			for _, p := range got.Params {
				if p.Value == "" {
					t.Errorf("the blank field %s was sent", p.Name)
				}
			}
		})
	}
}

func TestCommands_FormPage(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	b := a.signIn(t, "olga@acme.test")

	page := b.get("/t/acme/commands?command=create_lead")
	for _, id := range []string{"field-first_name", "field-zip", "field-notes", "field-govt_id"} {
		if !strings.Contains(page.body, `data-testid="`+id+`"`) {
			t.Errorf("the create_lead form lacks %s", id)
		}
	}
	if got := testidText(page.body, "field-warning"); !strings.Contains(got, "leading zero") {
		t.Errorf("zip warning: got %q, want it to mention the leading zero", got)
	}
	for _, name := range []string{"remove_volume", "autostrada_sync", "batch"} {
		if !strings.Contains(page.body, `data-testid="pick-`+name+`"`) {
			t.Errorf("the picker lacks %s", name)
		}
	}
	// A command without a form of its own gets the free-form rows.
	free := b.get("/t/acme/commands?command=remove_volume")
	if !strings.Contains(free.body, `id="command"`) ||
		!strings.Contains(free.body, `value="remove_volume"`) {
		t.Errorf("remove_volume: want the free-form console with the name filled in")
	}
}

func TestCommands_ZipWarning(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	withSimulator(t, a, acme, carcity.SimConfig{})
	b := a.signIn(t, "olga@acme.test")

	page := sendForm(t, b, "acme", formValues("create_lead", "first_name", "Jane",
		"last_name", "Roe", "zip", "02134"))
	if !strings.Contains(page.body, "starts with 0") || !strings.Contains(page.body, "2134") {
		t.Errorf("the result page does not warn that the zip loses its leading zero")
	}
}

func TestCommands_Batch(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	withSimulator(t, a, acme, carcity.SimConfig{SiteUsers: []carcity.SiteUser{siteUser}})
	b := a.signIn(t, "olga@acme.test")

	sets := `[{"ai_command":"create_lead","first_name":"Jane","last_name":"Roe"},` +
		`{"ai_command":"validate_user","username":"jane","password":"site-pass-1"},` +
		`{"ai_command":"nope"}]`
	page := sendForm(t, b, "acme", formValues("batch", "json", sets))
	if n := strings.Count(page.body, `data-testid="batch-item"`); n != 3 {
		t.Fatalf("got %d batch items, want 3", n)
	}
	if got := testidText(page.body, "batch-item"); !strings.Contains(got, "create_lead") ||
		!strings.Contains(got, "Lead Creation Successful") {
		t.Errorf("first item: got %q, want the create_lead answer", got)
	}
	stored := lastAttempt(t, a, acme)
	if strings.Contains(stored.Params[0].Value, "site-pass-1") {
		t.Errorf("the password inside the batch was stored: %s", stored.Params[0].Value)
	}

	t.Run("NotAnArray", func(t *testing.T) {
		res := b.post("/t/acme/commands", formValues("batch", "json", `{"ai_command":"x"}`))
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "JSON array") {
			t.Errorf("got %d, want 422 saying it must be a JSON array", res.status)
		}
	})
	t.Run("CredentialsInASet", func(t *testing.T) {
		res := b.post("/t/acme/commands",
			formValues("batch", "json", `[{"ai_command":"x","ai_login_password":"p"}]`))
		if res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.body, "ai_login_password") {
			t.Errorf("got %d, want 422 naming ai_login_password", res.status)
		}
	})
}

// failingPlatform is a tenant whose service URL is srv.
func failingPlatform(tb testing.TB, a *testApp, tenant db.Tenant, serviceURL string) {
	tb.Helper()
	mustSetCredentials(tb, a.db, tenant, db.CredentialsUpdate{ServiceURL: &serviceURL,
		LoginID: &simAccount.LoginID, Password: &simAccount.Password})
}

func TestCommands_Failures(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	tlsSrv := quietTLSServer(t, carcity.NewSimulator(carcity.SimConfig{}))
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream exploded", http.StatusBadGateway)
	}))
	t.Cleanup(broken.Close)
	garbled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>hello</html>"))
	}))
	t.Cleanup(garbled.Close)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	cases := []struct {
		name, url, outcome, text string
	}{
		{"Timeout", slow.URL, "timeout", "did not answer within 1s"},
		{"TLS", tlsSrv.URL, "tls", "secure connection"},
		{"HTTP", broken.URL, "http", "HTTP 502"},
		{"Malformed", garbled.URL, "malformed", "malformed"},
		{"Refused", deadURL, "refused", "refused the connection"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			acme := mustCreateTenant(t, a.db, "acme")
			mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
			failingPlatform(t, a, acme, tc.url+"/service")
			mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{CommandTimeoutSeconds: ptr(1)})
			b := a.signIn(t, "olga@acme.test")

			page := sendForm(t, b, "acme", formValues("create_lead", "first_name", "Jane"))
			if !strings.Contains(page.body, tc.text) {
				t.Errorf("the page does not say %q: %s", tc.text, testidText(page.body, "command-result"))
			}
			got := lastAttempt(t, a, acme)
			if got.Outcome != tc.outcome || !strings.Contains(got.Error, tc.text) {
				t.Errorf("history: got %q %q, want %q with %q", got.Outcome, got.Error, tc.outcome, tc.text)
			}
			history := b.get("/t/acme/commands")
			if !strings.Contains(testidText(history.body, "history-row"), outcomeWords[tc.outcome]) {
				t.Errorf("history row: got %q, want %q", testidText(history.body, "history-row"),
					outcomeWords[tc.outcome])
			}
		})
	}
}

// quietTLSServer is an https server whose certificate no client trusts;
// the refused handshakes it sees are not logged.
func quietTLSServer(tb testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return srv
}

// outcomeWords is how the history names each failure kind.
var outcomeWords = map[string]string{
	"timeout":   "did not answer in time",
	"tls":       "secure connection failed",
	"http":      "HTTP error",
	"malformed": "could not be understood",
	"refused":   "refused the connection",
	"blocked":   "Not sent",
}

func TestCommands_TokenAuth(t *testing.T) {
	for _, tc := range []struct {
		name, mode, kind, label string
	}{
		{"Static", "static_token", "static token", "Static token"},
		{"Derived", "derived_token", "derived token", "Token derived from comm_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			acme := mustCreateTenant(t, a.db, "acme")
			mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
			account := simAccount
			account.Tokens = []string{"issued-token-4711"}
			sim := withSimulator(t, a, acme, carcity.SimConfig{Accounts: []carcity.Account{account}})
			mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{CommandAuth: &tc.mode,
				StaticToken: ptr("issued-token-4711")})
			b := a.signIn(t, "olga@acme.test")

			page := sendForm(t, b, "acme", formValues("create_lead", "first_name", "Jane",
				"last_name", "Roe"))
			if got := testidText(page.body, "result-status"); got != "0" {
				t.Fatalf("status: got %q, want 0", got)
			}
			cmds := sim.Commands()
			if len(cmds) != 1 || cmds[0].Auth != "token" {
				t.Fatalf("the simulator got %+v, want one token-authenticated command", cmds)
			}
			if _, ok := cmds[0].Params.Lookup("ai_login_password"); ok {
				t.Errorf("a token command also sent the password")
			}
			if got := lastAttempt(t, a, acme).AuthKind; got != tc.kind {
				t.Errorf("auth kind: got %q, want %q", got, tc.kind)
			}
			history := b.get("/t/acme/commands")
			if got := testidText(history.body, "history-auth"); got != tc.label {
				t.Errorf("history: got %q, want %q", got, tc.label)
			}
		})
	}
}
