package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"citylink/db"
)

// mustRecordAttempt stores an attempt as if it had been sent.
func mustRecordAttempt(tb testing.TB, a *testApp, a2 db.CommandAttempt) db.CommandAttempt {
	tb.Helper()
	got, err := a.db.CreateCommandAttempt(tb.Context(), a2)
	if err != nil {
		tb.Fatalf("record attempt: %v", err)
	}
	return got
}

func TestCommands_HistoryFilters(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	olga := mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	vic := mustCreateMember(t, a.db, acme, "vic@acme.test", "viewer")
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for i := range 60 {
		mustRecordAttempt(t, a, db.CommandAttempt{TenantID: acme.ID, UserID: &olga.ID,
			Command: "create_lead", Outcome: "ok", AuthKind: "plain",
			StartedAt: day.Add(time.Duration(i) * time.Minute)})
	}
	mustRecordAttempt(t, a, db.CommandAttempt{TenantID: acme.ID, UserID: &vic.ID,
		Command: "validate_user", Outcome: "timeout", StartedAt: day.AddDate(0, 0, 3)})
	mustRecordAttempt(t, a, db.CommandAttempt{TenantID: acme.ID, Command: "=cmd",
		Outcome: "status", Source: "handshake", Error: "=HYPERLINK(1)", StartedAt: day.AddDate(0, 0, 5)})
	b := a.signIn(t, "vic@acme.test")

	rows := func(path string) (int, string) {
		t.Helper()
		res := b.get(path)
		if res.status != http.StatusOK {
			t.Fatalf("%s: got %d", path, res.status)
		}
		return strings.Count(res.body, `data-testid="history-row"`), res.body
	}
	cases := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"Command", url.Values{"f_command": {"validate_user"}}, 1},
		{"Outcome", url.Values{"f_outcome": {"timeout"}}, 1},
		{"User", url.Values{"f_user": {itoa(olga.ID)}}, 50},
		{"System", url.Values{"f_user": {"system"}}, 1},
		{"Dates", url.Values{"f_from": {"2026-11-23"}, "f_to": {"2026-11-23"}}, 1},
		{"DatesAround", url.Values{"f_from": {"2026-11-21"}, "f_to": {"2026-11-30"}}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := rows("/t/acme/commands?" + tc.query.Encode()); got != tc.want {
				t.Errorf("got %d rows, want %d", got, tc.want)
			}
		})
	}

	t.Run("KeysetPages", func(t *testing.T) {
		n, body := rows("/t/acme/commands?f_command=create_lead")
		if n != 50 {
			t.Fatalf("first page: got %d rows, want 50", n)
		}
		i := strings.Index(body, `rel="next"`)
		start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
		next := strings.ReplaceAll(body[start:strings.Index(body[start:], `"`)+start], "&amp;", "&")
		if !strings.Contains(next, "f_command=create_lead") || !strings.Contains(next, "before=") {
			t.Fatalf("next page link %q: want the filter and a keyset", next)
		}
		if n, _ := rows(next); n != 10 {
			t.Errorf("second page: got %d rows, want 10", n)
		}
	})

	t.Run("ExportCSV", func(t *testing.T) {
		res := b.get("/t/acme/commands/export?format=csv&f_outcome=status")
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("got %d %s, want a CSV", res.status, res.header.Get("Content-Type"))
		}
		records, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
		if err != nil {
			t.Fatalf("read CSV: %v", err)
		}
		if len(records) != 2 {
			t.Fatalf("got %d records, want the header and 1", len(records))
		}
		row := strings.Join(records[1], "|")
		if !strings.Contains(row, "'=cmd") || !strings.Contains(row, "'=HYPERLINK(1)") {
			t.Errorf("formula-like cells were not defused: %q", row)
		}
	})
	t.Run("ExportAudited", func(t *testing.T) {
		es, err := a.db.FindAuditEvents(t.Context(), acme.ID,
			db.AuditFilter{Action: "commands.exported"})
		if err != nil || len(es) != 1 {
			t.Fatalf("got %+v, %v, want one commands.exported", es, err)
		}
		d := es[0].Details
		f, _ := d["filter"].(map[string]any)
		if d["rows"] != float64(1) || d["format"] != "csv" || fmt.Sprint(f["f_outcome"]) != "[status]" {
			t.Errorf("details: got %v, want 1 csv row filtered by outcome", d)
		}
	})
	t.Run("BadDate", func(t *testing.T) {
		n, body := rows("/t/acme/commands?f_from=2026-02-31&f_command=validate_user")
		if n != 1 {
			t.Errorf("got %d rows, want the command's 1", n)
		}
		if got := testidText(body, "flash"); !strings.Contains(got, "from date") {
			t.Errorf("flash: got %q, want the from date named", got)
		}
	})
	t.Run("BadDateExport", func(t *testing.T) {
		if res := b.get("/t/acme/commands/export?format=csv&f_to=soon"); res.status != 400 {
			t.Errorf("got %d, want 400", res.status)
		}
	})
	t.Run("ExportAll", func(t *testing.T) {
		res := b.get("/t/acme/commands/export?format=csv")
		records, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
		if err != nil || len(records) != 63 {
			t.Errorf("got %d records (%v), want the header and 62", len(records), err)
		}
	})
	t.Run("ExportOtherFormat", func(t *testing.T) {
		if res := b.get("/t/acme/commands/export?format=xlsx"); res.status != http.StatusBadRequest {
			t.Errorf("got %d, want 400", res.status)
		}
	})
}

func TestCommands_Templates(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "olga@acme.test", "operator")
	mustCreateMember(t, a.db, acme, "vic@acme.test", "viewer")
	b := a.signIn(t, "olga@acme.test")

	form := formValues("user_login_token", "username", "jane", "password", "site-pass-1",
		"reissue", "1", "expiration", "")
	form.Set("template_name", "Jane's token")
	res := b.post("/t/acme/commands/templates", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("save: got %d, want 303; body %s", res.status, res.body)
	}
	loaded := res.header.Get("Location")
	page := b.get(loaded)
	if got := testidText(page.body, "form-command"); got != "user_login_token" {
		t.Errorf("loaded form: got command %q, want user_login_token", got)
	}
	if !strings.Contains(page.body, `value="jane"`) || strings.Contains(page.body, "site-pass-1") {
		t.Errorf("loaded form: want the username and never the password")
	}
	if got := testidText(page.body, "template-row"); !strings.Contains(got, "Jane's token") {
		t.Errorf("templates: got %q, want Jane's token", got)
	}

	res = b.post("/t/acme/commands/templates", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Errorf("same name again: got %d, want 422", res.status)
	}
	beta := mustCreateTenant(t, a.db, "beta")
	mustCreateMember(t, a.db, beta, "olga@acme.test", "operator")
	other := b.get(strings.Replace(loaded, "/t/acme/", "/t/beta/", 1))
	if other.status != http.StatusNotFound {
		t.Errorf("another tenant's template: got %d, want 404", other.status)
	}
	viewer := a.signIn(t, "vic@acme.test")
	if res := viewer.post("/t/acme/commands/templates", form); res.status != http.StatusForbidden {
		t.Errorf("viewer saves: got %d, want 403", res.status)
	}
	got := testidText(viewer.get("/t/acme/commands").body, "template-row")
	if !strings.Contains(got, "Jane's token") {
		t.Errorf("viewer's console: got %q, want the template listed", got)
	}
}
