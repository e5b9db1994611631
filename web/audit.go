package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"citylink/db"
	"citylink/views"
)

// audit records what a signed-in member did in their tenant. A failure to
// record is logged: the action itself has already happened.
func (s *Server) audit(ctx context.Context, r *http.Request, tc *tenantCtx, action, target string,
	details map[string]any) {
	s.writeAudit(ctx, userEvent(r, tc.tenant.ID, tc.user, action, target, details))
}

// auditUser records a user's event, such as a sign-in, in every tenant the
// user belongs to, since it concerns each of them.
func (s *Server) auditUser(ctx context.Context, r *http.Request, user db.User,
	action, target string, details map[string]any) {
	memberships, err := s.db.FindMembershipsByUser(ctx, user.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "audit: find memberships", "user_id", user.ID, "error", err)
		return
	}
	for _, m := range memberships {
		s.writeAudit(ctx, userEvent(r, m.TenantID, user, action, target, details))
	}
}

// userEvent is an event of a user in a tenant, from the request's address.
func userEvent(r *http.Request, tenantID int64, user db.User, action, target string,
	details map[string]any) db.AuditEvent {
	return db.AuditEvent{
		TenantID:   tenantID,
		ActorKind:  "user",
		ActorID:    &user.ID,
		ActorLabel: user.Email,
		Action:     action,
		Target:     target,
		Details:    details,
		RemoteAddr: clientAddr(r),
		UserAgent:  r.UserAgent(),
	}
}

func (s *Server) writeAudit(ctx context.Context, e db.AuditEvent) {
	if err := s.db.CreateAuditEvent(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit: record event", "tenant", e.TenantID, "error", err)
	}
}

// actorKinds are the actor filter's values that name a kind of actor;
// any other value is a user's email.
var actorKinds = []string{"user", "cli", "platform", "system"}

// auditFilter reads the audit page's filter from the query. Dates are
// days in the tenant's time zone, both included; one that cannot be read
// is left out and named in problem.
func auditFilter(r *http.Request, loc *time.Location) (
	f db.AuditFilter, form views.AuditFilter, problem string) {
	q := r.URL.Query()
	form = views.AuditFilter{
		Actor:  strings.TrimSpace(q.Get("actor")),
		Action: strings.TrimSpace(q.Get("action")),
		From:   strings.TrimSpace(q.Get("from")),
		To:     strings.TrimSpace(q.Get("to")),
	}
	f = db.AuditFilter{Action: form.Action, BeforeID: queryInt64(r, "before")}
	if isActorKind(form.Actor) {
		f.ActorKind = form.Actor
	} else if form.Actor != "" {
		f.ActorLabel = strings.ToLower(form.Actor)
	}
	f.From, f.To, problem = dateRange(form.From, form.To, loc)
	form.From, form.To = keptDate(form.From, f.From), keptDate(form.To, f.To)
	return f, form, problem
}

func isActorKind(s string) bool {
	for _, k := range actorKinds {
		if s == k {
			return true
		}
	}
	return false
}

// auditQuery is the filter as query parameters, for links that keep it.
func auditQuery(form views.AuditFilter) url.Values {
	return nonEmptyQuery(map[string]string{"actor": form.Actor, "action": form.Action,
		"from": form.From, "to": form.To})
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	loc := tenantLocation(tc.tenant)
	f, form, problem := auditFilter(r, loc)
	f.Limit = pageSize + 1
	events, err := s.db.FindAuditEvents(r.Context(), tc.tenant.ID, f)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	q := auditQuery(form)
	p := views.AuditProps{Page: s.page(r, tc, "Audit history", "audit"), Filter: form,
		ActorKinds: actorKinds, TimeZone: loc.String()}
	if problem != "" {
		p.Page.Flash = problem
	}
	events, before := nextPage(events, func(e db.AuditEvent) int64 { return e.ID })
	if before != 0 {
		next := auditQuery(form)
		next.Set("before", itoa(before))
		p.NextURL = tc.path("/audit?") + next.Encode()
	}
	q.Set("format", "csv")
	p.ExportURL = tc.path("/audit/export?") + q.Encode()
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

// auditColumns are the audit export's columns, in order.
var auditColumns = []string{"time", "actor_kind", "actor", "action", "target", "details",
	"source_address", "user_agent"}

// handleAuditExport streams the filtered history as CSV, newest first.
func (s *Server) handleAuditExport(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	loc := tenantLocation(tc.tenant)
	f, form, problem := auditFilter(r, loc)
	format, err := exportFormat(r, problem, "csv")
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	rows, ok := streamExport(s, w, r, tc, exportSpec[db.AuditEvent]{
		name: "audit", format: format, columns: auditColumns,
		csvRow: func(e db.AuditEvent) []string {
			return []string{e.At.In(loc).Format(time.RFC3339), e.ActorKind, actorLabel(e),
				e.Action, e.Target, detailsText(e.Details), e.RemoteAddr, e.UserAgent}
		},
		find: func(ctx context.Context, before int64) ([]db.AuditEvent, error) {
			f.BeforeID, f.Limit = before, exportPage
			return s.db.FindAuditEvents(ctx, tc.tenant.ID, f)
		},
		id: func(e db.AuditEvent) int64 { return e.ID },
	})
	if ok {
		s.auditExport(r, tc, "audit.exported", "audit history", format, rows, auditQuery(form))
	}
}

func actorLabel(e db.AuditEvent) string {
	if e.ActorLabel != "" {
		return e.ActorLabel
	}
	return e.ActorKind
}

// detailsText shows an event's details as "name: value" pairs in name
// order; lists are joined, other values written as JSON.
func detailsText(d map[string]any) string {
	names := make([]string, 0, len(d))
	for name := range d {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		parts = append(parts, name+": "+detailValue(d[name]))
	}
	return strings.Join(parts, "; ")
}

func detailValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = detailValue(item)
		}
		return strings.Join(items, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
