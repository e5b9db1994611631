package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"citylink/web"
)

// openStream opens the tenant's notification stream after the row after
// and returns a channel of its events' data, closed when the stream ends.
func openStream(t *testing.T, br *browser, slug string, after int64) <-chan string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		br.base+"/t/"+slug+"/notifications/stream?after="+itoa(after), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := br.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: got status %d, want 200", res.StatusCode)
	}
	events := make(chan string, 16)
	go func() {
		defer res.Body.Close()
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<22)
		var data strings.Builder
		for sc.Scan() {
			line := sc.Text()
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				data.WriteString(d + "\n")
			}
			if line == "" && data.Len() > 0 {
				events <- data.String()
				data.Reset()
			}
		}
		if ctx.Err() != nil {
			events <- "timed out"
		}
	}()
	return events
}

// drain reads events until the stream ends and returns them joined.
func drain(events <-chan string) string {
	var all strings.Builder
	for e := range events {
		all.WriteString(e)
	}
	return all.String()
}

func TestNotificationStream_EndsWhenAccessGoes(t *testing.T) {
	cases := map[string]func(a *testApp, br *browser, acme, u int64){
		"sign out": func(a *testApp, br *browser, _, _ int64) { br.post("/logout", nil) },
		"sign out everywhere": func(a *testApp, _ *browser, _, u int64) {
			if _, err := a.db.UpdateUserSessionVersion(context.Background(), u); err != nil {
				t.Fatal(err)
			}
		},
		"removed": func(a *testApp, _ *browser, acme, u int64) {
			if err := a.db.DeleteMembership(context.Background(), acme, u); err != nil {
				t.Fatal(err)
			}
		},
		"suspended": func(a *testApp, _ *browser, acme, _ int64) {
			if err := a.db.UpdateTenantDisabled(context.Background(), acme, true); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, revoke := range cases {
		t.Run(name, func(t *testing.T) {
			a := newTestApp(t)
			acme := mustCreateTenant(t, a.db, "acme")
			mustCreateMember(t, a.db, acme, "owner@acme.test", "owner")
			u := mustCreateMember(t, a.db, acme, "viewer@acme.test", "viewer")
			br := a.signIn(t, "viewer@acme.test")
			before := mustDeliver(t, a.db, acme, time.Now(), "", text("generic", "before"))
			events := openStream(t, br, "acme", before.ID)

			revoke(a, br, acme.ID, u.ID)
			mustDeliver(t, a.db, acme, time.Now(), "", text("generic", "Secret after"))
			got := drain(events)
			if strings.Contains(got, "Secret after") || strings.Contains(got, "timed out") {
				t.Errorf("stream after %s: got %q, want it ended without the new row", name, got)
			}
		})
	}
}

func TestNotificationStream_Lifetime(t *testing.T) {
	defer web.SetStreamLifetime(300 * time.Millisecond)()
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "viewer@acme.test", "viewer")
	br := a.signIn(t, "viewer@acme.test")
	if got := drain(openStream(t, br, "acme", 0)); strings.Contains(got, "timed out") {
		t.Errorf("stream: got %q, want it ended by its lifetime", got)
	}
}

func TestNotificationStream_Burst(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "viewer@acme.test", "viewer")
	br := a.signIn(t, "viewer@acme.test")
	before := mustDeliver(t, a.db, acme, time.Now(), "", text("generic", "before"))
	const n = 120
	for i := range n {
		mustDeliver(t, a.db, acme, time.Now(), "", text("generic", fmt.Sprintf("Burst %03d.", i)))
	}
	got := <-openStream(t, br, "acme", before.ID)
	last := len(got)
	for i := range n {
		at := strings.Index(got, fmt.Sprintf("Burst %03d.", i))
		if at < 0 || at > last {
			t.Fatalf("row %d: at %d, want before %d (newest first, none left out)", i, at, last)
		}
		last = at
	}
}

func TestNotificationStream_AfterListenerReconnect(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "viewer@acme.test", "viewer")
	br := a.signIn(t, "viewer@acme.test")
	before := mustDeliver(t, a.db, acme, time.Now(), "", text("generic", "before"))
	events := openStream(t, br, "acme", before.ID)

	// Only this test's own database's listener is cut: the server is shared.
	a.mustExecAsOwner(t, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`)
	mustDeliver(t, a.db, acme, time.Now(), "", text("generic", "In the gap"))
	if got := <-events; !strings.Contains(got, "In the gap") {
		t.Errorf("stream: got %q, want the row committed while the listener was away", got)
	}
}
