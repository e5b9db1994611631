package web

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"citylink/db"
	"citylink/db/dbtest"
)

// TestFollowUpDelay_AboutADay checks the attempts math: with the real
// base of 10 s, the waits between all tries add up to about a day.
func TestFollowUpDelay_AboutADay(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < followUpMaxAttempts; attempt++ {
		total += followUpDelay(10*time.Second, attempt)
	}
	if total < 22*time.Hour || total > 26*time.Hour {
		t.Errorf("got %v before giving up, want about a day", total)
	}
	if got := followUpDelay(10*time.Second, 3); got != 40*time.Second {
		t.Errorf("third wait: got %v, want 40s", got)
	}
	if got := followUpDelay(10*time.Second, 20); got != time.Hour {
		t.Errorf("late wait: got %v, want the 1h cap", got)
	}
}

// TestRecordFollowUp_GaveUp records a failed last try: the state says the
// follow-up gave up, and the audit says so.
func TestRecordFollowUp_GaveUp(t *testing.T) {
	d := dbtest.New(t)
	tenant := dbtest.MustCreateTenant(t, d, "acme")
	s, err := New(Config{}, d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	job := &river.Job[AuthenticateNotificationsArgs]{
		JobRow: &rivertype.JobRow{Attempt: followUpMaxAttempts, MaxAttempts: followUpMaxAttempts},
		Args:   AuthenticateNotificationsArgs{TenantID: tenant.ID},
	}
	s.recordFollowUp(ctx, job, db.CommandAttempt{Outcome: "refused", Error: "nothing listens"}, nil)

	f, err := d.FindHandshakeFollowUp(ctx, tenant.ID)
	if err != nil || f.State != "failed" || f.LastError != "nothing listens" || f.NextAt != nil {
		t.Errorf("state: got %+v (%v), want failed with the error and no next try", f, err)
	}
	events, err := d.FindAuditEvents(ctx, tenant.ID,
		db.AuditFilter{Action: "handshake.follow_up", Limit: 5})
	if err != nil || len(events) != 1 || events[0].Details["result"] != "gave up" {
		t.Errorf("audit: got %+v (%v), want one gave-up event", events, err)
	}

	job.Attempt = 2
	s.recordFollowUp(ctx, job, db.CommandAttempt{Outcome: "http", Error: "HTTP 500"}, nil)
	f, _ = d.FindHandshakeFollowUp(ctx, tenant.ID)
	if f.State != "retrying" || f.NextAt == nil {
		t.Errorf("after try 2: got %+v, want retrying with a next try", f)
	}
}
