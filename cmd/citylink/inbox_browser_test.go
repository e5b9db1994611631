package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citylink/db"
	"citylink/web"
)

// TestBrowser_LiveAcrossProcesses opens the list on one Citylink process
// and delivers to another on the same database: the row must appear
// without a reload, and the counter must count it while the top of the
// list is scrolled away.
func TestBrowser_LiveAcrossProcesses(t *testing.T) {
	ctx := newBrowser(t)
	bin := buildBinary(t)
	dbURL, d, tenant := demoDB(t, "viewer@demo.test", "viewer")
	// Enough rows that the list is taller than the window.
	msgs := make([]db.NewNotification, 49)
	for i := range msgs {
		msgs[i] = db.NewNotification{Type: "generic", Data: []byte(`"filler ` + strconv.Itoa(i) + `"`)}
	}
	if _, err := d.CreateDelivery(context.Background(),
		db.HookRequest{TenantID: tenant.ID, Method: "POST"}, msgs); err != nil {
		t.Fatal(err)
	}

	baseA := startServe(t, bin, dbURL)
	baseB := startServe(t, bin, dbURL)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1000, 600),
		signInSteps(baseA, "viewer@demo.test", staffPassword),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="today-count"]`)),
		chromedp.Navigate(baseA+"/t/demo/notifications"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="notification-row"]`)),
	)
	if err != nil {
		t.Fatalf("open the list on A: %v", err)
	}

	deliverB := func(text string) {
		t.Helper()
		res, err := http.Post(baseB+web.NotificationPath(tenant), "application/json",
			strings.NewReader(`{"request":"delivery","messages":[{"type":"generic","data":"`+text+`"}]}`))
		if err != nil {
			t.Fatalf("deliver to B: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("deliver to B: got %d, want 200", res.StatusCode)
		}
	}
	firstRow := `#notification-rows tr:first-child [data-testid="notification-summary"]`
	waitText := func(sel, want string) {
		t.Helper()
		waitFor(ctx, t, sel, "to be "+want, func(s string) bool { return s == want })
	}

	// The stream may still be connecting: it catches up on what it missed.
	deliverB("Hello from B")
	waitText(firstRow, "Hello from B")

	if _, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
		`window.scrollTo(0, document.body.scrollHeight); window.scrollY`)); err != nil {
		t.Fatalf("scroll: %v", err)
	}
	deliverB("Second from B")
	waitText(firstRow, "Second from B")
	waitText(`[data-testid="new-count"]`, "1")

	// The export shows its progress, then what it received: a header and
	// the 51 notifications.
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="export-csv"]`)))
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	got := waitFor(ctx, t, `#export-progress`, "to say Exported",
		func(s string) bool { return strings.HasPrefix(s, "Exported ") })
	if !strings.HasPrefix(got, "Exported 52 lines") {
		t.Errorf("export progress: got %q, want 52 lines", got)
	}
}

// waitFor waits up to 5 seconds until the text of sel, trimmed, passes ok,
// and returns it.
func waitFor(ctx context.Context, t *testing.T, sel, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if got = strings.TrimSpace(text); err == nil && ok(got) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: got %q, want it %s within 5 s", sel, got, what)
	return got
}
