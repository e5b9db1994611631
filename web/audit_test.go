package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"citylink/db"
)

// mustAudit appends an event at a given time.
func mustAudit(tb testing.TB, d *db.DB, t db.Tenant, at time.Time, kind, label, action string) {
	tb.Helper()
	err := d.CreateAuditEvent(context.Background(), db.AuditEvent{TenantID: t.ID, At: at,
		ActorKind: kind, ActorLabel: label, Action: action, Target: "=cmd()"})
	if err != nil {
		tb.Fatalf("audit: %v", err)
	}
}

func TestAudit_Filters(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")
	if err := a.db.UpdateTenantTimeZone(ctx, acme.ID, "America/New_York"); err != nil {
		t.Fatal(err)
	}
	// 02:00 UTC on the 2nd is still the 1st in New York.
	mustAudit(t, a.db, acme, time.Date(2025, 3, 2, 2, 0, 0, 0, time.UTC), "cli", "", "tenant.disabled")
	mustAudit(t, a.db, acme, time.Date(2025, 3, 2, 15, 0, 0, 0, time.UTC), "platform", "",
		"platform.handshake")
	for i := range 55 {
		mustAudit(t, a.db, acme, time.Date(2025, 4, 1, 10, i, 0, 0, time.UTC), "user",
			"bob@acme.test", "command.sent")
	}
	ann := a.signIn(t, "ann@acme.test")

	rows := func(res response) int { return strings.Count(res.body, `data-testid="audit-row"`) }
	cases := []struct {
		name, query string
		want        int
	}{
		{"ActorKind", "actor=cli", 1},
		{"ActorEmail", "actor=BOB@acme.test&action=command.sent", 50},
		{"Action", "action=platform.handshake", 1},
		{"DayInTenantZone", "from=2025-03-01&to=2025-03-01", 1},
		{"SecondDay", "from=2025-03-02&to=2025-03-31", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := ann.get("/t/acme/audit?" + c.query)
			if res.status != http.StatusOK || rows(res) != c.want {
				t.Errorf("got %d with %d rows, want 200 with %d", res.status, rows(res), c.want)
			}
		})
	}
	t.Run("BadDate", func(t *testing.T) {
		res := ann.get("/t/acme/audit?from=yesterday&action=platform.handshake")
		if res.status != http.StatusOK || rows(res) != 1 {
			t.Errorf("got %d with %d rows, want 200 with the action's 1", res.status, rows(res))
		}
		if got := testidText(res.body, "flash"); !strings.Contains(got, "from date") {
			t.Errorf("flash: got %q, want the from date named", got)
		}
		if strings.Contains(res.body, "yesterday") {
			t.Errorf("the page still carries the bad date")
		}
	})
	t.Run("BadDateExport", func(t *testing.T) {
		res := ann.get("/t/acme/audit/export?format=csv&to=2025-13-01")
		if res.status != http.StatusBadRequest {
			t.Errorf("got %d, want 400", res.status)
		}
	})
	t.Run("Keyset", func(t *testing.T) {
		first := ann.get("/t/acme/audit?action=command.sent")
		u := nextLink(first.body)
		if !strings.Contains(u, "before=") || !strings.Contains(u, "action=command.sent") {
			t.Fatalf("next link: got %q, want before= and the filter", u)
		}
		second := ann.get(u)
		if rows(second) != 5 || nextLink(second.body) != "" {
			t.Errorf("second page: got %d rows, next %q, want 5 and none", rows(second),
				nextLink(second.body))
		}
	})
}

// nextLink is the pager's link to older rows, unescaped; "" when none.
func nextLink(body string) string {
	_, rest, ok := strings.Cut(body, `rel="next"`)
	if !ok {
		return ""
	}
	before := body[:len(body)-len(rest)]
	i := strings.LastIndex(before, `href="`)
	href := before[i+len(`href="`):]
	href = href[:strings.Index(href, `"`)]
	return strings.ReplaceAll(href, "&amp;", "&")
}

func TestAudit_Export(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")
	// More than one export page, so that the keyset loop is walked.
	for i := range 1200 {
		mustAudit(t, a.db, acme, time.Date(2025, 4, 1, 0, 0, i, 0, time.UTC), "system", "",
			"retention.pruned")
	}
	mustAudit(t, a.db, acme, time.Date(2025, 4, 2, 0, 0, 0, 0, time.UTC), "cli", "", "tenant.enabled")
	ann := a.signIn(t, "ann@acme.test")

	res := ann.get("/t/acme/audit/export?format=csv&action=retention.pruned")
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("got %d %q, want 200 text/csv", res.status, res.header.Get("Content-Type"))
	}
	records, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil {
		t.Fatalf("read csv: %v", err)
	}
	if len(records) != 1201 || records[0][0] != "time" {
		t.Fatalf("got %d records, want a header and 1200 rows", len(records))
	}
	if records[1][3] != "retention.pruned" || records[1][4] != "'=cmd()" {
		t.Errorf("got %q, want the action and a defused formula", records[1])
	}
	if res := ann.get("/t/acme/audit/export?format=xml"); res.status != http.StatusBadRequest {
		t.Errorf("format=xml: got %d, want 400", res.status)
	}
	es, err := a.db.FindAuditEvents(context.Background(), acme.ID,
		db.AuditFilter{Action: "audit.exported"})
	if err != nil || len(es) != 1 || es[0].Details["rows"] != float64(1200) {
		t.Errorf("got %+v, %v, want one audit.exported of 1200 rows", es, err)
	}
	f, _ := es[0].Details["filter"].(map[string]any)
	if fmt.Sprint(f["action"]) != "[retention.pruned]" {
		t.Errorf("filter: got %v, want the action", es[0].Details["filter"])
	}
}

func TestSettings_TimeZoneAndAuthMode(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")
	ann := a.signIn(t, "ann@acme.test")

	for zone, want := range map[string]int{"Mars/Olympus": 422, "Local": 422, "Europe/Berlin": 303} {
		res := ann.post("/t/acme/settings/time-zone", url.Values{"time_zone": {zone}})
		if res.status != want {
			t.Errorf("%s: got %d, want %d", zone, res.status, want)
		}
	}
	if tn, err := a.db.FindTenantBySlug(ctx, "acme"); err != nil || tn.TimeZone != "Europe/Berlin" {
		t.Errorf("got %+v, %v, want Europe/Berlin", tn, err)
	}

	form := url.Values{"service_url": {"https://platform.example/service"}, "login_id": {"me"},
		"auth_mode": {"passive"}, "command_auth": {"plain"}}
	if res := ann.post("/t/acme/settings", form); res.status != http.StatusSeeOther {
		t.Fatalf("save: got %d, want 303", res.status)
	}
	es, err := a.db.FindAuditEvents(ctx, acme.ID, db.AuditFilter{Action: "auth_mode.changed"})
	if err != nil || len(es) != 1 || es[0].Details["old"] != "immediate" ||
		es[0].Details["new"] != "passive" {
		t.Errorf("got %+v, %v, want one auth_mode.changed from immediate to passive", es, err)
	}
	if !hasAction(auditActions(t, a.db, acme), "time_zone.changed") {
		t.Errorf("audit: want time_zone.changed")
	}
}
