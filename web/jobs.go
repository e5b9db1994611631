package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

type pgxTx = pgx.Tx

// AuthenticateNotificationsArgs is the durable follow-up of a passive
// handshake: send the platform authenticate_notifications for a tenant.
type AuthenticateNotificationsArgs struct {
	TenantID int64 `json:"tenant_id"`
}

// Kind names the job for River.
func (AuthenticateNotificationsArgs) Kind() string { return "authenticate_notifications" }

// InsertOpts keeps one pending follow-up per tenant, however many
// handshakes arrive meanwhile, and retries it for about a day.
func (AuthenticateNotificationsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: followUpMaxAttempts, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		// Completed follow-ups do not count: a later handshake needs its own.
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled},
	}}
}

// With a doubling delay from 10 s capped at an hour (followUpDelay), the
// 31 waits between 32 tries add up to about 23.4 hours: the follow-up
// gives up after about a day.
const followUpMaxAttempts = 32

type authenticateNotificationsWorker struct {
	river.WorkerDefaults[AuthenticateNotificationsArgs]
	s *Server
}

// Work sends the command; an error answer makes River try again later.
func (w *authenticateNotificationsWorker) Work(ctx context.Context,
	job *river.Job[AuthenticateNotificationsArgs]) error {
	tenant, err := w.s.db.FindTenantByID(ctx, job.Args.TenantID)
	if err != nil {
		return fmt.Errorf("authenticate_notifications: %w", err)
	}
	if tenant.Disabled() {
		// A suspended tenant sends nothing on the platform; the follow-up
		// waits, without spending its tries, until the tenant is back.
		return river.JobSnooze(time.Hour)
	}
	attempt, err := w.s.sendCommand(ctx, commandSend{
		tenantID: job.Args.TenantID,
		actor:    "system",
		command:  "authenticate_notifications",
		source:   "handshake",
	})
	w.s.recordFollowUp(context.WithoutCancel(ctx), job, attempt, err)
	if err != nil {
		return fmt.Errorf("authenticate_notifications attempt %d: %w", job.Attempt, err)
	}
	if attempt.Outcome != "ok" {
		return errors.New("authenticate_notifications: " + attempt.Error)
	}
	return nil
}

// NextRetry doubles the wait from the server's base delay up to an hour.
func (w *authenticateNotificationsWorker) NextRetry(job *river.Job[AuthenticateNotificationsArgs]) time.Time {
	return time.Now().Add(followUpDelay(w.s.retryBase(), job.Attempt))
}

func (s *Server) retryBase() time.Duration {
	if s.cfg.JobRetryBase > 0 {
		return s.cfg.JobRetryBase
	}
	return 10 * time.Second
}

// SessionCleanupArgs is the periodic removal of expired staff sessions.
type SessionCleanupArgs struct{}

// Kind names the job for River.
func (SessionCleanupArgs) Kind() string { return "session_cleanup" }

type sessionCleanupWorker struct {
	river.WorkerDefaults[SessionCleanupArgs]
	s *Server
}

// Work deletes the sessions that have expired.
func (w *sessionCleanupWorker) Work(ctx context.Context, _ *river.Job[SessionCleanupArgs]) error {
	_, err := w.s.db.DeleteExpiredSessions(ctx)
	return err
}

func newJobClient(s *Server) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &authenticateNotificationsWorker{s: s})
	river.AddWorker(workers, &sessionCleanupWorker{s: s})
	river.AddWorker(workers, &retentionWorker{s: s})
	return river.NewClient(riverpgxv5.New(s.db.Pool), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers: workers,
		Logger:  s.log,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return SessionCleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			retentionJob(),
		},
		// Reindexing needs to own River's tables, and the application's
		// role does not: the operator reindexes during maintenance instead.
		ReindexerSchedule: river.NeverSchedule(),
	})
}

// enqueueAuthenticateNotifications queues the follow-up of a passive
// handshake. Its state is marked pending first, so that a job that runs at
// once cannot have its outcome overwritten.
func (s *Server) enqueueAuthenticateNotifications(ctx context.Context, tenantID int64) error {
	if err := s.db.StartHandshakeFollowUp(ctx, tenantID); err != nil {
		return err
	}
	_, err := s.jobs.Insert(ctx, AuthenticateNotificationsArgs{TenantID: tenantID}, nil)
	return err
}
