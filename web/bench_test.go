package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"citylink/db"
)

// The inbox's speed goal (issue 4): one tenant with a million
// notifications among 100 others with 10,000 each; pages within 50 ms and
// text search within 200 ms at the 95th percentile. Run it with
//
//	go test ./web -run '^$' -bench Inbox -benchtime 20x
//
// It loads its data with generate_series in SQL, then asks the real
// handler for each page over HTTP, as a signed-in member would.
const (
	benchBig      = 1_000_000
	benchOthers   = 100
	benchPerOther = 10_000
)

func BenchmarkInbox(b *testing.B) {
	a := newTestApp(b)
	big := mustCreateTenant(b, a.db, "big")
	mustCreateMember(b, a.db, big, "bench@big.test", "viewer")
	start := time.Now()
	benchLoad(b, a, big, benchBig)
	for i := range benchOthers {
		t := mustCreateTenant(b, a.db, fmt.Sprintf("other-%03d", i))
		benchLoad(b, a, t, benchPerOther)
	}
	a.mustExecAsOwner(b, `VACUUM ANALYZE notifications`)
	a.mustExecAsOwner(b, `VACUUM ANALYZE hook_requests`)
	b.Logf("loaded %d notifications in %s", benchBig+benchOthers*benchPerOther,
		time.Since(start).Round(time.Second))

	deep := benchDeepID(b, a, big, 100*50)
	br := a.signIn(b, "bench@big.test")
	cases := []struct{ name, query string }{
		{"first_page", ""},
		{"page_100", "before=" + itoa(deep)},
		{"type_generic", "type=generic"},
		{"type_simple", "type=simple"},
		{"type_new_user", "type=new_user"},
		{"type_complex", "type=complex"},
		{"search_common", "q=" + url.QueryEscape("toyota")},
		{"search_name", "q=" + url.QueryEscape("Surname417")},
		{"search_rare", "q=" + url.QueryEscape(benchRef(123457))},
		{"search_type_new_user", "type=new_user&q=" + url.QueryEscape("Surname42")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			path := "/t/big/notifications?" + c.query
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				res := br.get(path)
				times = append(times, time.Since(t0))
				if res.status != http.StatusOK {
					b.Fatalf("GET %s: got status %d, want 200", path, res.status)
				}
			}
			slices.Sort(times)
			p50, p95 := percentile(times, 50), percentile(times, 95)
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))]
}

// benchRef is the reference a loaded notification carries, for searching
// one row among all.
func benchRef(g int) string { return fmt.Sprintf("REF%07d", g) }

// benchLoad inserts n notifications into tenant t, in one delivery per
// 1000, received one every few seconds back from now: 40% generic, 10%
// simple, 30% new_user, 20% complex.
func benchLoad(b *testing.B, a *testApp, t db.Tenant, n int) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT set_config('citylink.tenant_id', $1::bigint::text, true)`, t.ID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO hook_requests (tenant_id, id, received_at, request_kind, outcome,
			                           answer_status, message_count)
			OVERRIDING SYSTEM VALUE
			SELECT $1::bigint, $1::bigint * 10000000 + r,
			       now() - (($2::int - r * 1000) * interval '3 seconds'),
			       'delivery', 'accepted', 200, 1000
			FROM generate_series(0, ($2::int - 1) / 1000) AS r`, t.ID, n)
		if err != nil {
			return fmt.Errorf("load requests: %w", err)
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO notifications (tenant_id, request_id, position, type, data, received_at)
			SELECT $1::bigint, $1::bigint * 10000000 + g / 1000, g % 1000,
			       CASE WHEN g % 10 < 4 THEN 'generic' WHEN g % 10 = 4 THEN 'simple'
			            WHEN g % 10 < 8 THEN 'new_user' ELSE 'complex' END,
			       CASE WHEN g % 10 < 5 THEN
			                to_jsonb('Lead for a ' || (ARRAY['Ford', 'Toyota', 'Honda', 'Kia',
			                    'Audi', 'Volvo', 'Mazda', 'Fiat', 'Seat', 'Opel'])[g % 7 + 1] ||
			                    ' from the website, ' || 'REF' || lpad(g::text, 7, '0'))
			            WHEN g % 10 < 8 THEN
			                jsonb_build_object('first_name', 'Name' || (g % 311),
			                    'last_name', 'Surname' || (g % 997),
			                    'email', 'person' || g || '@example.com',
			                    'ref', 'REF' || lpad(g::text, 7, '0'))
			            ELSE jsonb_build_object('lead', jsonb_build_object('id', g,
			                    'vehicle', jsonb_build_object('make', 'Toyota', 'year', 2000 + g % 25),
			                    'notes', jsonb_build_array('called', 'REF' || lpad(g::text, 7, '0'))))
			       END,
			       now() - (($2::int - g) * interval '3 seconds')
			FROM generate_series(0, $2::int - 1) AS g`, t.ID, n)
		if err != nil {
			return fmt.Errorf("load notifications: %w", err)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("load %s: %v", t.Slug, err)
	}
}

// benchDeepID is the id that starts the page depth rows down the list.
func benchDeepID(b *testing.B, a *testApp, t db.Tenant, depth int) int64 {
	b.Helper()
	ns, err := a.db.FindNotifications(context.Background(), t.ID,
		db.NotificationFilter{Limit: 1000})
	if err != nil || len(ns) == 0 {
		b.Fatalf("find notifications: %v", err)
	}
	id := ns[0].ID
	return id - int64(depth) // ids of one tenant's load are consecutive
}
