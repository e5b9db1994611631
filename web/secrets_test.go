package web_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"citylink/carcity"
	"citylink/db"
	"citylink/web"
)

// syncBuffer collects log output written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecrets_NeverLeave sends commands with every kind of authentication,
// failing ones too, then searches every table of the database, the logs
// and the pages for the secrets: none may be found.
func TestSecrets_NeverLeave(t *testing.T) {
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := newTestAppLog(t, log)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ada@acme.test", "admin")
	const staticToken = "issued-token-0815-abcdef"
	account := simAccount
	account.Tokens = []string{staticToken}
	sim := withSimulator(t, a, acme, carcity.SimConfig{Accounts: []carcity.Account{account},
		SiteUsers: []carcity.SiteUser{siteUser}})
	mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{StaticToken: ptr(staticToken)})
	b := a.signIn(t, "ada@acme.test")
	var pages []string
	get := func(path string) {
		pages = append(pages, b.get(path).body)
	}
	send := func(form url.Values) {
		page := sendForm(t, b, "acme", form)
		pages = append(pages, page.body)
	}

	lead := formValues("create_lead", "first_name", "Jane", "last_name", "Roe")
	for _, mode := range []string{"plain", "static_token", "derived_token"} {
		mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{CommandAuth: &mode})
		send(lead)
		send(formValues("user_login_token", "username", "jane", "password", siteUser.Password))
		send(formValues("batch", "json",
			`[{"ai_command":"validate_user","username":"jane","password":"`+siteUser.Password+`"}]`))
		pages = append(pages, b.post("/t/acme/settings/test", url.Values{}).body)
	}
	// Failing ones: a refused password, a platform that errs, an
	// unreachable one, and the passive follow-up retrying.
	mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{CommandAuth: ptr("plain"),
		AuthMode: ptr("passive")})
	sim.SetFailCommands(1)
	send(lead)
	postHook(t, a.srv.URL, web.NotificationPath(acme), `{"request":"authenticate","key":"k"}`)
	waitFollowUp(t, a, acme, "succeeded")
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{ServiceURL: ptr(dead.URL)})
	send(lead)
	mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{Password: ptr(simAccount.Password + "x")})
	send(lead)
	for _, p := range []string{"/t/acme/commands", "/t/acme/settings", "/t/acme/audit",
		"/t/acme/commands/export?format=csv"} {
		get(p)
	}

	secrets := map[string]string{
		"password":       simAccount.Password,
		"wrong password": simAccount.Password + "x",
		"comm_key":       simAccount.CommKey,
		"static token":   staticToken,
		"derived token":  carcity.DeriveToken(simAccount.CommKey, simAccount.LoginID),
		"site password":  siteUser.Password,
	}
	dump := dumpDatabase(t, a)
	if !strings.Contains(dump, "create_lead") || !strings.Contains(dump, simAccount.LoginID) ||
		!strings.Contains(dump, `"kind": "authenticate_notifications"`) ||
		!strings.Contains(dump, `"source": "test"`) {
		t.Fatalf("the dump does not hold the commands sent: the search would prove nothing")
	}
	places := map[string]string{"database": dump, "logs": logs.String(),
		"pages": strings.Join(pages, "\n")}
	for place, text := range places {
		for name, secret := range secrets {
			if strings.Contains(text, secret) || strings.Contains(text, hex.EncodeToString([]byte(secret))) {
				t.Errorf("the %s hold the %s", place, name)
			}
		}
	}
	if !strings.Contains(logs.String(), `"path":"/t/acme/commands"`) {
		t.Errorf("the logs hold no access lines: the search would prove nothing")
	}
}

// waitFollowUp waits until the tenant's handshake follow-up is in state.
func waitFollowUp(tb testing.TB, a *testApp, tenant db.Tenant, state string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 20*time.Second)
	defer cancel()
	for {
		f, _ := a.db.FindHandshakeFollowUp(ctx, tenant.ID)
		if f.State == state {
			return
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("follow-up: got %+v, want %s", f, state)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// dumpDatabase returns every row of every table as JSON, read as the
// tables' owner: once without a tenant, for the tables outside row-level
// security (River's among them), and once inside each tenant.
func dumpDatabase(tb testing.TB, a *testApp) string {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.url)
	if err != nil {
		tb.Fatalf("connect as owner: %v", err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `
		SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 10 {
		tb.Fatalf("list tables: got %v (%v)", tables, err)
	}
	rows, _ = conn.Query(ctx, `SELECT id::text FROM tenants`)
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatalf("list tenants: %v", err)
	}

	var out strings.Builder
	for _, tenant := range append([]string{""}, tenants...) {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SELECT set_config('citylink.tenant_id', $1, true)`, tenant)
			if err != nil {
				return err
			}
			for _, table := range tables {
				rows, _ := tx.Query(ctx, `SELECT to_jsonb(t)::text FROM `+
					pgx.Identifier{table}.Sanitize()+` t`)
				texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					return err
				}
				out.WriteString(strings.Join(texts, "\n") + "\n")
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("dump as tenant %q: %v", tenant, err)
		}
	}
	return out.String()
}
