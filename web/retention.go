package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"citylink/db"
	"citylink/views"
)

// retentionBatch is how many requests (with their notifications) one
// short transaction deletes, so that retention never holds locks long.
const retentionBatch = 500

// retentionInterval is how often the retention job runs.
const retentionInterval = time.Hour

// maxRetentionDays bounds the setting: ten years.
const maxRetentionDays = 3650

// RetentionArgs is the periodic deletion of notifications and requests
// older than each tenant's retention.
type RetentionArgs struct{}

// Kind names the job for River.
func (RetentionArgs) Kind() string { return "retention" }

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	s *Server
}

// Work applies every tenant's retention.
func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	return w.s.RunRetention(ctx, time.Now())
}

// retentionJob is the periodic job newJobClient registers.
func retentionJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(retentionInterval),
		func() (river.JobArgs, *river.InsertOpts) { return RetentionArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// RunRetention deletes, tenant by tenant, the requests and notifications
// received longer ago than the tenant's retention before now, in small
// batches, and writes how many went to the tenant's audit history (actor
// system, action retention.deleted). The audit history itself is never
// deleted. A tenant that fails is logged and the others still run; the
// first error is returned, so River tries again.
func (s *Server) RunRetention(ctx context.Context, now time.Time) error {
	tenants, err := s.db.FindTenants(ctx)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	var first error
	for _, t := range tenants {
		if err := s.retainTenant(ctx, t, now); err != nil {
			s.log.ErrorContext(ctx, "retention", "tenant", t.ID, "error", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

func (s *Server) retainTenant(ctx context.Context, t db.Tenant, now time.Time) error {
	cutoff := now.AddDate(0, 0, -t.RetentionDays)
	var notifications, requests int64
	for {
		n, r, err := s.db.DeleteExpiredBatch(ctx, t.ID, cutoff, retentionBatch)
		notifications, requests = notifications+n, requests+r
		if err != nil || r == 0 {
			if aerr := s.auditRetention(ctx, t, cutoff, notifications, requests); err == nil {
				err = aerr
			}
			return err
		}
	}
}

// auditRetention records what retention removed, also after a failure
// halfway. Nothing removed, nothing written, so that the history does not
// fill with empty runs.
func (s *Server) auditRetention(
	ctx context.Context, t db.Tenant, cutoff time.Time, n, r int64,
) error {
	if n == 0 && r == 0 {
		return nil
	}
	return s.db.CreateAuditEvent(ctx, db.AuditEvent{
		TenantID:   t.ID,
		ActorKind:  "system",
		ActorLabel: "retention",
		Action:     "retention.deleted",
		Target:     "notifications and requests",
		Details: map[string]any{
			"notifications": n, "requests": r, "days": t.RetentionDays,
			"before": cutoff.UTC().Format(time.RFC3339),
		},
	})
}

// retentionProps fills the retention part of the settings page.
func retentionProps(tc *tenantCtx) views.RetentionProps {
	return views.RetentionProps{
		TenantSlug: tc.tenant.Slug, Days: tc.tenant.RetentionDays, CanEdit: tc.can(permSettings),
	}
}

// handleRetentionSave sets how many days the tenant's records are kept.
func (s *Server) handleRetentionSave(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("retention_days")))
	if err != nil || days < 1 || days > maxRetentionDays {
		s.fail(w, r, tc, badRequest("Keep notifications between 1 and 3650 days."))
		return
	}
	if days == tc.tenant.RetentionDays {
		s.flash(r, "Nothing changed.")
		http.Redirect(w, r, tc.path("/settings"), http.StatusSeeOther)
		return
	}
	if err := s.db.UpdateTenantRetention(ctx, tc.tenant.ID, days); err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.audit(ctx, r, tc, "retention.changed", "retention",
		map[string]any{"from": tc.tenant.RetentionDays, "to": days})
	s.flash(r, fmt.Sprintf("Notifications and requests are now kept for %d days.", days))
	http.Redirect(w, r, tc.path("/settings"), http.StatusSeeOther)
}
