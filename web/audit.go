package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"citylink/db"
	"citylink/views"
)

// audit records what a signed-in member did in their tenant. A failure to
// record is logged: the action itself has already happened.
func (s *Server) audit(ctx context.Context, r *http.Request, tc *tenantCtx, action, target string,
	details map[string]any) {
	s.writeAudit(ctx, db.AuditEvent{
		TenantID:   tc.tenant.ID,
		ActorKind:  "user",
		ActorID:    &tc.user.ID,
		ActorLabel: tc.user.Email,
		Action:     action,
		Target:     target,
		Details:    details,
		RemoteAddr: clientAddr(r),
		UserAgent:  r.UserAgent(),
	})
}

// auditUser records a user's event, such as a sign-in, in every tenant the
// user belongs to, since it concerns each of them.
func (s *Server) auditUser(ctx context.Context, r *http.Request, user db.User, action, target string) {
	memberships, err := s.db.FindMembershipsByUser(ctx, user.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "audit: find memberships", "user_id", user.ID, "error", err)
		return
	}
	for _, m := range memberships {
		s.writeAudit(ctx, db.AuditEvent{
			TenantID:   m.TenantID,
			ActorKind:  "user",
			ActorID:    &user.ID,
			ActorLabel: user.Email,
			Action:     action,
			Target:     target,
			RemoteAddr: clientAddr(r),
			UserAgent:  r.UserAgent(),
		})
	}
}

func (s *Server) writeAudit(ctx context.Context, e db.AuditEvent) {
	if err := s.db.CreateAuditEvent(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit: record event", "tenant", e.TenantID, "error", err)
	}
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	f := db.AuditFilter{BeforeID: queryInt64(r, "before"), Limit: pageSize + 1}
	events, err := s.db.FindAuditEvents(r.Context(), tc.tenant.ID, f)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p := views.AuditProps{Page: s.page(r, tc, "Audit history", "audit")}
	if len(events) > pageSize {
		events = events[:pageSize]
		p.NextURL = tc.path("/audit?before=") + itoa(events[len(events)-1].ID)
	}
	loc := tenantLocation(tc.tenant)
	for _, e := range events {
		p.Events = append(p.Events, views.AuditRow{
			At:         e.At.In(loc).Format(timeLayout),
			Actor:      actorLabel(e),
			Action:     e.Action,
			Target:     e.Target,
			Details:    detailsText(e.Details),
			RemoteAddr: e.RemoteAddr,
		})
	}
	s.render(w, r, http.StatusOK, views.AuditPage(p))
}

func actorLabel(e db.AuditEvent) string {
	if e.ActorLabel != "" {
		return e.ActorLabel
	}
	return e.ActorKind
}

func detailsText(d map[string]any) string {
	if len(d) == 0 {
		return ""
	}
	b, err := json.Marshal(d)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
