package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"citylink/carcity"
)

// TestBrowser_CreateLeadFormAndResend fills the create_lead form, reads
// the answer, then sends the same lead again from the history.
func TestBrowser_CreateLeadFormAndResend(t *testing.T) {
	ctx := newBrowser(t)
	bin := buildBinary(t)
	dbURL, d, tenant := demoDB(t, "olga@demo.test", "operator")
	sim := demoSimulator(t, d, tenant, carcity.SimConfig{})
	base := startServe(t, bin, dbURL, allowSimulator)

	err := chromedp.Do(ctx,
		signInSteps(base, "olga@demo.test", staffPassword),
		chromedp.WaitVisible(chromedp.CSS(`nav`)),
		chromedp.Navigate(base+"/t/demo/commands"),
		chromedp.Click(chromedp.CSS(`[data-testid="pick-create_lead"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-first_name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-first_name`), "Jane"),
		chromedp.SendKeys(chromedp.CSS(`#f-last_name`), "Roe"),
		chromedp.SendKeys(chromedp.CSS(`#f-phone`), "+1 555 0100"),
		chromedp.SetValue(chromedp.CSS(`#f-ok_to_text`), "Y"),
		chromedp.Click(chromedp.CSS(`[data-testid="command-send"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="result-status"]`)),
	)
	if err != nil {
		t.Fatalf("send create_lead from its form: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="result-status"]`)))
	if err != nil || strings.TrimSpace(status) != "0" {
		t.Fatalf("create_lead status: got %q (%v), want 0", status, err)
	}

	// From the history: open the attempt, then send it again.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/t/demo/commands"),
		chromedp.Click(chromedp.CSS(`[data-testid="history-row"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`a.button`)),
		chromedp.Click(chromedp.CSS(`a.button`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-first_name`)),
	)
	if err != nil {
		t.Fatalf("open the attempt and send again: %v", err)
	}
	first, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-first_name`)))
	if err != nil || first != "Jane" {
		t.Fatalf("pre-filled first name: got %q (%v), want Jane", first, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="command-send"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="result-status"]`)),
	)
	if err != nil {
		t.Fatalf("resend: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.list tbody`)))
	if err != nil {
		t.Fatalf("read the history: %v", err)
	}
	if n := strings.Count(rows, "create_lead"); n != 2 {
		t.Errorf("history: got %d create_lead rows, want 2 in %q", n, rows)
	}
	leads := sim.Leads()
	if len(leads) != 2 {
		t.Fatalf("the simulator has %d leads, want 2", len(leads))
	}
	for _, l := range leads {
		if l.Params.Get("phone") != "+1 555 0100" || l.Params.Get("ok_to_text") != "Y" {
			t.Errorf("lead %d: got %+v, want the phone and ok_to_text as typed", l.ID, l.Params)
		}
	}
}
