package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"citylink/db"
)

func TestRetention(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	acme := mustCreateTenant(t, a.db, "acme")
	other := mustCreateTenant(t, a.db, "other")
	if err := a.db.UpdateTenantRetention(ctx, acme.ID, 30); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for range 3 {
		mustDeliver(t, a.db, acme, now.AddDate(0, 0, -40), "", text("generic", "old"))
	}
	// An old original whose repeat is still kept must wait for its repeat.
	kept := mustDeliver(t, a.db, acme, now.AddDate(0, 0, -30).Add(-time.Hour), "same",
		text("generic", "edge"))
	mustDeliver(t, a.db, acme, now.AddDate(0, 0, -30).Add(time.Hour), "same", text("generic", "edge"))
	mustDeliver(t, a.db, acme, now.AddDate(0, 0, -1), "", text("generic", "new"))
	if _, err := a.db.CreateHookRequest(ctx, db.HookRequest{TenantID: acme.ID, Outcome: "rejected",
		ReceivedAt: now.AddDate(0, 0, -45)}); err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, a.db, other, now.AddDate(0, 0, -40), "", text("generic", "other old"))

	if err := a.app.RunRetention(ctx, now); err != nil {
		t.Fatalf("retention: %v", err)
	}

	left, err := a.db.FindNotifications(ctx, acme.ID, db.NotificationFilter{WithRepeats: true})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, n := range left {
		texts = append(texts, string(n.Data))
	}
	if got, want := strings.Join(texts, ","), `"new","edge","edge"`; got != want {
		t.Errorf("acme keeps %s, want %s", got, want)
	}
	if _, err := a.db.FindHookRequestByID(ctx, acme.ID, kept.ID); err != nil {
		t.Errorf("the original of a kept repeat: %v, want it kept", err)
	}
	reqs, err := a.db.FindHookRequests(ctx, acme.ID, db.HookRequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 3 {
		t.Errorf("acme keeps %d requests, want 3", len(reqs))
	}
	others, err := a.db.FindNotifications(ctx, other.ID, db.NotificationFilter{})
	if err != nil || len(others) != 1 {
		t.Errorf("the other tenant keeps %d notifications (%v), want 1", len(others), err)
	}

	events, err := a.db.FindAuditEvents(ctx, acme.ID, db.AuditFilter{Action: "retention.deleted"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("got %d retention events, want 1", len(events))
	}
	e := events[0]
	if e.ActorKind != "system" || e.Details["notifications"] != float64(3) ||
		e.Details["requests"] != float64(4) {
		t.Errorf("event: got %s %v, want system, 3 notifications and 4 requests", e.ActorKind, e.Details)
	}
	if ev, _ := a.db.FindAuditEvents(ctx, other.ID, db.AuditFilter{}); len(ev) != 0 {
		t.Errorf("the other tenant got %d audit events, want 0", len(ev))
	}

	// Once the repeat is old too, both go.
	if err := a.app.RunRetention(ctx, now.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.FindHookRequestByID(ctx, acme.ID, kept.ID); err == nil {
		t.Errorf("the original is still there after its repeat expired")
	}
}

func TestRetention_Setting(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "admin@acme.test", "admin")
	mustCreateMember(t, a.db, acme, "viewer@acme.test", "viewer")
	admin := a.signIn(t, "admin@acme.test")

	if got := admin.get("/t/acme/settings").body; !strings.Contains(got, `value="90"`) {
		t.Errorf("the settings page does not show the default 90 days")
	}
	res := admin.post("/t/acme/settings/retention", url.Values{"retention_days": {"30"}})
	if res.status != 303 {
		t.Fatalf("save: got %d, want 303", res.status)
	}
	tenant, err := a.db.FindTenantBySlug(context.Background(), "acme")
	if err != nil || tenant.RetentionDays != 30 {
		t.Errorf("retention: got %d (%v), want 30", tenant.RetentionDays, err)
	}
	res = admin.post("/t/acme/settings/retention", url.Values{"retention_days": {"0"}})
	if res.status != 400 {
		t.Errorf("0 days: got %d, want 400", res.status)
	}
	viewer := a.signIn(t, "viewer@acme.test")
	res = viewer.post("/t/acme/settings/retention", url.Values{"retention_days": {"5"}})
	if res.status != 403 {
		t.Errorf("a viewer: got %d, want 403", res.status)
	}
	events, _ := a.db.FindAuditEvents(context.Background(), acme.ID,
		db.AuditFilter{Action: "retention.changed"})
	if len(events) != 1 {
		t.Errorf("got %d retention.changed events, want 1", len(events))
	}
}

func TestRequestsLog_Filter(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "viewer@acme.test", "viewer")
	for _, body := range []string{`{"request":"delivery"}`, `{"request":`, `{"request":"ping"}`} {
		postHook(t, a.srv.URL, "/hooks/"+acme.HookToken, body)
	}
	br := a.signIn(t, "viewer@acme.test")
	cases := map[string]int{"": 3, "accepted": 1, "rejected": 2, "error": 0, "bogus": 3}
	for outcome, want := range cases {
		body := br.get("/t/acme/requests?outcome=" + outcome).body
		if got := strings.Count(body, `data-testid="request-row"`); got != want {
			t.Errorf("outcome %q: got %d rows, want %d", outcome, got, want)
		}
		if outcome == "rejected" && strings.Contains(body, `data-outcome="accepted"`) {
			t.Errorf("the rejected filter shows an accepted request")
		}
	}
	if body := br.get("/t/acme/requests?outcome=rejected").body; !strings.Contains(body, "400") {
		t.Errorf("the log does not show our answer's status")
	}
}

func TestDashboard(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "viewer@acme.test", "viewer")
	now := time.Now()
	mustDeliver(t, a.db, acme, now.AddDate(0, 0, -3), "", text("generic", "earlier"))
	mustDeliver(t, a.db, acme, now, "x", text("generic", "a"), object("new_user", `{}`))
	mustDeliver(t, a.db, acme, now, "x", text("generic", "a"), object("new_user", `{}`))
	mustDeliver(t, a.db, acme, now.AddDate(0, 0, -40), "", text("generic", "too old"))
	if _, err := a.db.CreateHookRequest(ctx, db.HookRequest{TenantID: acme.ID,
		RequestKind: "authenticate", Outcome: "rejected", AnswerStatus: 400}); err != nil {
		t.Fatal(err)
	}
	body := a.signIn(t, "viewer@acme.test").get("/t/acme/").body

	if got := testidText(body, "today-count"); got != "2" {
		t.Errorf("today: got %s, want 2 (repeats left out)", got)
	}
	if got := testidText(body, "last-delivery"); got == "—" || got == "" {
		t.Errorf("last delivery: got %q, want a time", got)
	}
	if got := testidText(body, "last-handshake"); !strings.Contains(got, "rejected") {
		t.Errorf("last handshake: got %q, want its outcome rejected", got)
	}
	if got := strings.Count(body, `data-testid="chart-day"`); got != 30 {
		t.Errorf("chart: got %d days, want 30", got)
	}
	if got := testidText(body, "legend-item"); got != "generic 2" {
		t.Errorf("legend: got %q, want generic 2 first", got)
	}
	if !strings.Contains(body, `<title id="chart-title">`) || !strings.Contains(body, "<rect") {
		t.Errorf("the chart lacks its title or bars")
	}
	if !strings.Contains(body, "/hooks/"+acme.HookToken) {
		t.Errorf("the dashboard lacks the notification URL")
	}
}

func TestNotificationStream_KeepsFilter(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "viewer@acme.test", "viewer")
	br := a.signIn(t, "viewer@acme.test")
	before := mustDeliver(t, a.db, acme, time.Now(), "", object("new_user", `{"first_name":"Old"}`))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		br.base+"/t/acme/notifications/stream?type=new_user&after="+itoa(before.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := br.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()

	postHook(t, a.srv.URL, "/hooks/"+acme.HookToken,
		`{"request":"delivery","messages":[{"type":"generic","data":"Not this one"}]}`)
	postHook(t, a.srv.URL, "/hooks/"+acme.HookToken,
		`{"request":"delivery","messages":[{"type":"new_user","data":{"first_name":"Jane"}}]}`)

	sc := bufio.NewScanner(res.Body)
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "data: ") {
			data.WriteString(line)
		}
		if line == "" && strings.Contains(data.String(), "Jane") {
			break
		}
	}
	got := data.String()
	if !strings.Contains(got, "Jane") || strings.Contains(got, "Not this one") ||
		strings.Contains(got, "Old") {
		t.Errorf("events: got %q, want only Jane's row", got)
	}
}
