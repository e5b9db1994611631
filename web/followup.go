package web

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"citylink/db"
	"citylink/views"
)

// The follow-up of a passive handshake keeps its state in the tenant's
// own table handshake_follow_ups rather than being looked up in River's
// jobs: River's table is shared by every tenant and outside row-level
// security, its args would have to be searched as JSON, and its rows are
// deleted some time after they finish, while the settings page should
// still say how the latest follow-up ended.

// followUpDelay is the wait before try attempt+1 after try attempt
// failed: base, doubled on each try, at most an hour.
func followUpDelay(base time.Duration, attempt int) time.Duration {
	delay := base
	for i := 1; i < attempt && delay < time.Hour; i++ {
		delay *= 2
	}
	return min(delay, time.Hour)
}

// recordFollowUp stores the follow-up's state after a try and writes the
// audit event when it is over, one way or the other.
func (s *Server) recordFollowUp(ctx context.Context, job *river.Job[AuthenticateNotificationsArgs],
	attempt db.CommandAttempt, sendErr error) {
	f := db.HandshakeFollowUp{TenantID: job.Args.TenantID, Attempts: job.Attempt}
	switch {
	case sendErr == nil && attempt.Outcome == "ok":
		f.State = "succeeded"
	case job.Attempt >= job.MaxAttempts:
		f.State = "failed"
	default:
		f.State = "retrying"
		next := time.Now().Add(followUpDelay(s.retryBase(), job.Attempt))
		f.NextAt = &next
	}
	if f.State != "succeeded" {
		f.LastError = attempt.Error
		if sendErr != nil {
			f.LastError = "Citylink could not record the attempt."
		}
	}
	if err := s.db.UpsertHandshakeFollowUp(ctx, f); err != nil {
		s.log.ErrorContext(ctx, "record handshake follow-up", "error", err)
	}
	if f.State == "retrying" {
		return
	}
	result := "succeeded"
	if f.State == "failed" {
		result = "gave up"
	}
	details := map[string]any{"result": result, "attempts": f.Attempts}
	if f.LastError != "" {
		details["error"] = f.LastError
	}
	s.writeAudit(ctx, db.AuditEvent{
		TenantID: f.TenantID, ActorKind: "system", ActorLabel: "Citylink",
		Action: "handshake.follow_up", Target: "authenticate_notifications", Details: details,
	})
}

// followUpView is the follow-up's state for the settings page and the
// dashboard, nil when the tenant never had one.
func (s *Server) followUpView(ctx context.Context, tc *tenantCtx) (*views.FollowUp, error) {
	f, err := s.db.FindHandshakeFollowUp(ctx, tc.tenant.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	loc := tenantLocation(tc.tenant)
	v := &views.FollowUp{State: f.State, Label: followUpLabels[f.State], Attempts: f.Attempts,
		LastError: f.LastError, UpdatedAt: f.UpdatedAt.In(loc).Format(timeLayout)}
	if f.NextAt != nil && (f.State == "pending" || f.State == "retrying") {
		v.NextTry = f.NextAt.In(loc).Format(timeLayout)
	}
	return v, nil
}

var followUpLabels = map[string]string{
	"pending":   "Waiting to confirm the handshake",
	"retrying":  "Retrying: the platform did not confirm yet",
	"succeeded": "Handshake confirmed",
	"failed":    "Gave up: the handshake was not confirmed",
}
