package web_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"citylink/db"
)

// mustDeliver stores one accepted delivery of msgs received at at; deliveries
// with the same hash within a day are repeats.
func mustDeliver(tb testing.TB, d *db.DB, t db.Tenant, at time.Time, hash string,
	msgs ...db.NewNotification) db.HookRequest {
	tb.Helper()
	req, err := d.CreateDelivery(context.Background(), db.HookRequest{
		TenantID: t.ID, ReceivedAt: at, MessagesHash: hash, Method: "POST",
	}, msgs)
	if err != nil {
		tb.Fatalf("deliver: %v", err)
	}
	return req
}

func text(typ, s string) db.NewNotification {
	data, _ := json.Marshal(s)
	return db.NewNotification{Type: typ, Data: data}
}

func object(typ, js string) db.NewNotification {
	return db.NewNotification{Type: typ, Data: json.RawMessage(js)}
}

var rowIDPattern = regexp.MustCompile(`id="notification-(\d+)"`)

// rowIDs are the ids of the notification rows of a list page, in order.
func rowIDs(body string) []int64 {
	var ids []int64
	for _, m := range rowIDPattern.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// inboxFixture is a tenant with a viewer and a small mixed inbox.
type inboxFixture struct {
	a      *testApp
	tenant db.Tenant
	viewer db.User
	br     *browser
	ids    map[string]int64 // by a short name
}

// oldDay is the midnight (UTC) of the fixture's old notification, 40 days
// ago; day(n) is the date n days after it, as the filter form writes it.
func oldDay() time.Time {
	return time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -40)
}

func day(n int) string { return oldDay().AddDate(0, 0, n).Format("2006-01-02") }

func newInbox(t *testing.T) *inboxFixture {
	t.Helper()
	a := newTestApp(t)
	tenant := mustCreateTenant(t, a.db, "acme")
	viewer := mustCreateMember(t, a.db, tenant, "viewer@acme.test", "viewer")
	now := time.Now()
	// Old, but well inside the default retention of 90 days: the
	// retention job runs when the app starts and must leave it alone.
	old := oldDay().Add(12 * time.Hour)
	f := &inboxFixture{a: a, tenant: tenant, viewer: viewer, ids: map[string]int64{}}
	first := func(r db.HookRequest) int64 {
		ns, err := a.db.FindNotifications(context.Background(), tenant.ID,
			db.NotificationFilter{WithRepeats: true, Limit: 1})
		if err != nil || len(ns) == 0 {
			t.Fatalf("find the new notification of request %d: %v", r.ID, err)
		}
		return ns[0].ID
	}
	f.ids["old"] = first(mustDeliver(t, a.db, tenant, old, "h-old",
		text("generic", "Old Toyota lead")))
	f.ids["hello"] = first(mustDeliver(t, a.db, tenant, now.Add(-time.Hour), "h1",
		text("generic", "Hello World")))
	f.ids["john"] = first(mustDeliver(t, a.db, tenant, now.Add(-50*time.Minute), "h2",
		object("new_user", `{"first_name":"John","last_name":"Doe"}`)))
	f.ids["car"] = first(mustDeliver(t, a.db, tenant, now.Add(-40*time.Minute), "h3",
		object("complex", `{"vehicle":{"make":"Toyota","year":2020},"tags":["a","b"]}`)))
	f.ids["repeat"] = first(mustDeliver(t, a.db, tenant, now.Add(-30*time.Minute), "h1",
		text("generic", "Hello World")))
	f.br = a.signIn(t, "viewer@acme.test")
	return f
}

func (f *inboxFixture) list(t *testing.T, query string) []int64 {
	t.Helper()
	res := f.br.get("/t/acme/notifications?" + query)
	if res.status != 200 {
		t.Fatalf("list %q: got status %d, want 200", query, res.status)
	}
	return rowIDs(res.body)
}

func TestNotifications_Filters(t *testing.T) {
	f := newInbox(t)
	id := f.ids
	if _, err := f.a.db.UpdateNotificationsRead(context.Background(), f.tenant.ID,
		[]int64{id["hello"]}, f.viewer.ID, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, query string
		want        []int64
	}{
		{"all", "", []int64{id["car"], id["john"], id["hello"], id["old"]}},
		{"type all", "type=all", []int64{id["car"], id["john"], id["hello"], id["old"]}},
		{"type", "type=generic", []int64{id["hello"], id["old"]}},
		{"text in data", "q=toyota", []int64{id["car"], id["old"]}},
		{"text in type", "q=NEW_USER", []int64{id["john"]}},
		{"text with a wildcard", "q=" + url.QueryEscape("%"), nil},
		{"type and text", "type=generic&q=toyota", []int64{id["old"]}},
		{"from", "from=" + day(10), []int64{id["car"], id["john"], id["hello"]}},
		{"to", "to=" + day(0), []int64{id["old"]}},
		{"from and to", "from=" + day(1) + "&to=" + day(20), nil},
		{"unread", "unread=1", []int64{id["car"], id["john"], id["old"]}},
		{"unread and type", "unread=1&type=generic", []int64{id["old"]}},
		{"repeats", "repeats=1",
			[]int64{id["repeat"], id["car"], id["john"], id["hello"], id["old"]}},
		{"repeats and type and unread", "repeats=1&type=generic&unread=1",
			[]int64{id["repeat"], id["old"]}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := f.list(t, c.query); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}

	t.Run("the form shows the filter", func(t *testing.T) {
		body := f.br.get("/t/acme/notifications?type=generic&q=toy&from=2026-01-01" +
			"&to=2026-12-31&unread=1&repeats=1").body
		for _, want := range []string{`<option value="generic" selected>`, `value="toy"`,
			`value="2026-01-01"`, `value="2026-12-31"`, `name="unread" value="1" checked`,
			`name="repeats" value="1" checked`} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
	})

	t.Run("repeat badge", func(t *testing.T) {
		body := f.br.get("/t/acme/notifications?repeats=1").body
		if n := strings.Count(body, `data-testid="repeat-badge"`); n != 1 {
			t.Errorf("got %d repeat badges, want 1", n)
		}
	})
}

func TestNotifications_PagingKeepsFilterAndIsStable(t *testing.T) {
	a := newTestApp(t)
	tenant := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, tenant, "viewer@acme.test", "viewer")
	start := time.Now().Add(-2 * time.Hour)
	for i := range 120 {
		typ := "generic"
		if i%2 == 1 {
			typ = "simple"
		}
		mustDeliver(t, a.db, tenant, start.Add(time.Duration(i)*time.Second), "",
			text(typ, "lead "+strconv.Itoa(i)))
	}
	br := a.signIn(t, "viewer@acme.test")

	first := br.get("/t/acme/notifications?type=simple&q=lead")
	page1 := rowIDs(first.body)
	next := nextURL(t, first.body)
	q := mustQuery(t, next)
	if q.Get("type") != "simple" || q.Get("q") != "lead" || q.Get("before") == "" {
		t.Fatalf("next URL %q lost the filter", next)
	}
	// Rows arriving meanwhile must not shift the next page.
	for i := range 10 {
		mustDeliver(t, a.db, tenant, time.Now(), "", text("simple", "lead new "+strconv.Itoa(i)))
	}
	page2 := rowIDs(br.get(next).body)
	if len(page1) != 50 || len(page2) != 10 {
		t.Fatalf("got pages of %d and %d rows, want 50 and 10", len(page1), len(page2))
	}
	if page2[0] >= page1[len(page1)-1] {
		t.Errorf("page 2 starts at %d, want below %d", page2[0], page1[len(page1)-1])
	}
	if strings.Contains(br.get(next).body, "sse-connect") {
		t.Errorf("an older page streams live rows, want only the first page to")
	}

	stream := streamURL(t, first.body)
	sq := mustQuery(t, stream)
	if sq.Get("type") != "simple" || sq.Get("q") != "lead" || sq.Get("after") != itoa(page1[0]) {
		t.Errorf("stream URL %q: want type=simple, q=lead, after=%d", stream, page1[0])
	}
}

var (
	nextPattern   = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	streamPattern = regexp.MustCompile(`sse-connect="([^"]+)"`)
)

func nextURL(t *testing.T, body string) string {
	t.Helper()
	m := nextPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to the next page")
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func streamURL(t *testing.T, body string) string {
	t.Helper()
	m := streamPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no stream URL")
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("parse %q: %v", u, err)
	}
	return p.Query()
}

func TestNotifications_ReadState(t *testing.T) {
	f := newInbox(t)
	id := f.ids
	res := f.br.post("/t/acme/notifications/read", url.Values{
		"id": {itoa(id["hello"]), itoa(id["john"])}, "state": {"read"},
		"back": {"/t/acme/notifications?unread=1"},
	})
	if res.status != 303 || res.header.Get("Location") != "/t/acme/notifications?unread=1" {
		t.Fatalf("mark read: got %d to %q, want 303 back to the list", res.status,
			res.header.Get("Location"))
	}
	if got, want := f.list(t, "unread=1"), []int64{id["car"], id["old"]}; !slices.Equal(got, want) {
		t.Errorf("unread after marking: got %v, want %v", got, want)
	}
	detail := f.br.get("/t/acme/notifications/" + itoa(id["hello"])).body
	got := testidText(detail, "read-state")
	if !strings.HasPrefix(got, "Read by viewer@acme.test at ") {
		t.Errorf("read state: got %q, want read by viewer@acme.test", got)
	}

	res = f.br.post("/t/acme/notifications/read", url.Values{
		"id": {itoa(id["hello"])}, "state": {"unread"}, "back": {"https://evil.test/"},
	})
	if loc := res.header.Get("Location"); loc != "/t/acme/notifications/"+itoa(id["hello"]) {
		t.Errorf("a foreign back URL: got redirect to %q, want the notification", loc)
	}
	ids := f.list(t, "unread=1")
	if want := []int64{id["car"], id["hello"], id["old"]}; !slices.Equal(ids, want) {
		t.Errorf("unread after unmarking: got %v, want %v", ids, want)
	}

	if res := f.br.post("/t/acme/notifications/read", url.Values{
		"id": {itoa(id["car"])}, "state": {"gone"},
	}); res.status != 400 {
		t.Errorf("unknown state: got %d, want 400", res.status)
	}
}

func TestNotifications_Readable(t *testing.T) {
	f := newInbox(t)
	car := f.br.get("/t/acme/notifications/" + itoa(f.ids["car"])).body
	for _, want := range []string{`data-testid="json-tree"`, `<span class="json-key">make</span>`,
		`data-json="{&#34;make&#34;:&#34;Toyota&#34;,&#34;year&#34;:2020}"`, "Raw request"} {
		if !strings.Contains(car, want) {
			t.Errorf("the complex detail page lacks %s", want)
		}
	}
	john := f.br.get("/t/acme/notifications/" + itoa(f.ids["john"])).body
	if got := testidText(john, "person-card"); got != "John Doe" {
		t.Errorf("person card: got %q, want John Doe", got)
	}
	hello := f.br.get("/t/acme/notifications/" + itoa(f.ids["hello"])).body
	if got := testidText(hello, "message-text"); got != "Hello World" {
		t.Errorf("message text: got %q, want Hello World", got)
	}
	if !strings.Contains(hello, `data-testid="json-tree"`) {
		t.Errorf("a text message's detail page lacks the JSON tree")
	}
	list := f.br.get("/t/acme/notifications").body
	if n := strings.Count(list, `class="json-inline"`); n != 1 {
		t.Errorf("the list has %d JSON trees, want 1 (for the complex message only)", n)
	}
}

func TestNotifications_Export(t *testing.T) {
	f := newInbox(t)
	t.Run("CSV", func(t *testing.T) {
		res := f.br.get("/t/acme/notifications/export?format=csv&q=toyota")
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("got %d %s, want 200 text/csv", res.status, res.header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
		if err != nil {
			t.Fatalf("parse CSV: %v", err)
		}
		if len(recs) != 3 {
			t.Fatalf("got %d records, want a header and 2 rows", len(recs))
		}
		if got := strings.Join(recs[0][:5], ","); got != "id,received_at,type,data,repeat_of" {
			t.Errorf("header: got %s", got)
		}
		if recs[1][0] != itoa(f.ids["car"]) || recs[2][0] != itoa(f.ids["old"]) {
			t.Errorf("ids: got %s and %s, want %d and %d", recs[1][0], recs[2][0],
				f.ids["car"], f.ids["old"])
		}
		if recs[2][3] != `"Old Toyota lead"` || recs[2][2] != "generic" {
			t.Errorf("row: got %v", recs[2])
		}
	})
	t.Run("NDJSON with repeats", func(t *testing.T) {
		res := f.br.get("/t/acme/notifications/export?format=ndjson&type=generic&repeats=1")
		type line struct {
			ID       int64           `json:"id"`
			Type     string          `json:"type"`
			Data     json.RawMessage `json:"data"`
			RepeatOf *int64          `json:"repeat_of"`
		}
		var rows []line
		sc := bufio.NewScanner(strings.NewReader(res.body))
		for sc.Scan() {
			var r line
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("parse line %q: %v", sc.Text(), err)
			}
			rows = append(rows, r)
		}
		if len(rows) != 3 {
			t.Fatalf("got %d rows, want 3", len(rows))
		}
		r := rows[0]
		if r.ID != f.ids["repeat"] || r.RepeatOf == nil || *r.RepeatOf != f.ids["hello"] {
			t.Errorf("first row: got %+v, want the repeat of %d", rows[0], f.ids["hello"])
		}
	})
	t.Run("bad format", func(t *testing.T) {
		if res := f.br.get("/t/acme/notifications/export?format=xml"); res.status != 400 {
			t.Errorf("got %d, want 400", res.status)
		}
	})
}

func TestNotifications_ExportManyPages(t *testing.T) {
	a := newTestApp(t)
	tenant := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, tenant, "viewer@acme.test", "viewer")
	msgs := make([]db.NewNotification, 1200)
	for i := range msgs {
		msgs[i] = text("generic", "n "+strconv.Itoa(i))
	}
	mustDeliver(t, a.db, tenant, time.Now(), "", msgs...)
	body := a.signIn(t, "viewer@acme.test").get("/t/acme/notifications/export?format=ndjson").body
	if n := strings.Count(body, "\n"); n != 1200 {
		t.Errorf("got %d lines, want 1200", n)
	}
}

func TestNotifications_ReadBackStaysInTheInbox(t *testing.T) {
	f := newInbox(t)
	id := itoa(f.ids["hello"])
	cases := []struct{ back, want string }{
		{`/t/acme/notifications/../../../\evil.com`, "/t/acme/notifications/" + id},
		{`/t/acme/notifications/..%2F..%2F..%2F%5Cevil.com`, "/t/acme/notifications/" + id},
		{`/t/acme/notifications\..\..\evil.com`, "/t/acme/notifications/" + id},
		{"//evil.com/t/acme/notifications", "/t/acme/notifications/" + id},
		{"/t/acme/notifications/../settings", "/t/acme/notifications/" + id},
		{"/t/acme/notificationsx", "/t/acme/notifications/" + id},
		{"https://evil.com/t/acme/notifications", "/t/acme/notifications/" + id},
		{"/t/acme/notifications/./" + id, "/t/acme/notifications/" + id},
		{"/t/acme/notifications?unread=1", "/t/acme/notifications?unread=1"},
	}
	for _, c := range cases {
		t.Run(c.back, func(t *testing.T) {
			res := f.br.post("/t/acme/notifications/read", url.Values{
				"id": {id}, "state": {"read"}, "back": {c.back},
			})
			if loc := res.header.Get("Location"); res.status != 303 || loc != c.want {
				t.Errorf("got %d to %q, want 303 to %q", res.status, loc, c.want)
			}
		})
	}
}

func TestNotifications_BadDateKeepsTheFilter(t *testing.T) {
	f := newInbox(t)
	res := f.br.get("/t/acme/notifications?type=new_user&from=2026-01-32&to=2026-12-31")
	if got, want := rowIDs(res.body), []int64{f.ids["john"]}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := testidText(res.body, "flash"); got != "The from date must look like 2026-01-31." {
		t.Errorf("flash: got %q, want the from date named", got)
	}
	if strings.Contains(res.body, `value="2026-01-32"`) ||
		!strings.Contains(res.body, `value="2026-12-31"`) {
		t.Errorf("want the bad date dropped and the good one kept")
	}
	if res := f.br.get("/t/acme/notifications/export?format=csv&from=x"); res.status != 400 {
		t.Errorf("export: got %d, want 400", res.status)
	}
}

func TestNotifications_ExportGuardedAndAudited(t *testing.T) {
	a := newTestApp(t)
	tenant := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, tenant, "viewer@acme.test", "viewer")
	mustDeliver(t, a.db, tenant, time.Now(), "", text("=HYPERLINK(1)", "@SUM(A1)"),
		object("generic", `-1`))
	res := a.signIn(t, "viewer@acme.test").get("/t/acme/notifications/export?format=csv&q=1")
	recs, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("got %d records (%v), want a header and 2", len(recs), err)
	}
	if recs[1][3] != "'-1" || recs[2][2] != "'=HYPERLINK(1)" || recs[2][3] != `"@SUM(A1)"` {
		t.Errorf("got %q and %q, want the formula-like cells defused", recs[1], recs[2])
	}
	es, err := a.db.FindAuditEvents(t.Context(), tenant.ID,
		db.AuditFilter{Action: "notifications.exported"})
	if err != nil || len(es) != 1 {
		t.Fatalf("got %+v, %v, want one notifications.exported", es, err)
	}
	d := es[0].Details
	if q, _ := d["filter"].(map[string]any); d["rows"] != float64(2) || d["format"] != "csv" ||
		fmt.Sprint(q["q"]) != "[1]" {
		t.Errorf("details: got %v, want 2 csv rows filtered by q", d)
	}
}
