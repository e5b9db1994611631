package web

import (
	"context"
	"encoding/csv"
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
// days in the tenant's time zone, both included.
func auditFilter(r *http.Request, loc *time.Location) (db.AuditFilter, views.AuditFilter, error) {
	q := r.URL.Query()
	form := views.AuditFilter{
		Actor:  strings.TrimSpace(q.Get("actor")),
		Action: strings.TrimSpace(q.Get("action")),
		From:   strings.TrimSpace(q.Get("from")),
		To:     strings.TrimSpace(q.Get("to")),
	}
	f := db.AuditFilter{Action: form.Action, BeforeID: queryInt64(r, "before")}
	if isActorKind(form.Actor) {
		f.ActorKind = form.Actor
	} else if form.Actor != "" {
		f.ActorLabel = strings.ToLower(form.Actor)
	}
	for _, d := range []struct {
		text  string
		dst   **time.Time
		shift int
	}{{form.From, &f.From, 0}, {form.To, &f.To, 1}} {
		if d.text == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.text, loc)
		if err != nil {
			return f, form, badRequest("Give dates as YYYY-MM-DD.")
		}
		day = day.AddDate(0, 0, d.shift)
		*d.dst = &day
	}
	return f, form, nil
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
	f, form, err := auditFilter(r, loc)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	f.Limit = pageSize + 1
	events, err := s.db.FindAuditEvents(r.Context(), tc.tenant.ID, f)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	q := auditQuery(form)
	p := views.AuditProps{Page: s.page(r, tc, "Audit history", "audit"), Filter: form,
		ActorKinds: actorKinds, TimeZone: loc.String()}
	if len(events) > pageSize {
		events = events[:pageSize]
		next := auditQuery(form)
		next.Set("before", itoa(events[len(events)-1].ID))
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

// handleAuditExport streams the filtered history as CSV, page by page
// through the keyset, so that no more than one page is held at a time.
func (s *Server) handleAuditExport(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	loc := tenantLocation(tc.tenant)
	f, form, err := auditFilter(r, loc)
	if err == nil && r.URL.Query().Get("format") != "csv" {
		err = badRequest("The audit history exports as format=csv.")
	}
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	f.Limit = exportPage
	events, err := s.db.FindAuditEvents(ctx, tc.tenant.ID, f)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+tc.tenant.Slug+`.csv"`)
	rows, ok := s.writeAuditCSV(w, r, tc, f, events)
	if !ok {
		return
	}
	s.audit(ctx, r, tc, "audit.exported", "audit history", map[string]any{
		"format": "csv", "rows": rows, "filter": auditQuery(form)})
}

// writeAuditCSV writes the first page of events, then reads and writes
// the following pages one at a time. It reports false when the export
// broke off; the status is sent by then, so the file ends short and the
// log says why.
func (s *Server) writeAuditCSV(w http.ResponseWriter, r *http.Request, tc *tenantCtx,
	f db.AuditFilter, events []db.AuditEvent) (rows int, ok bool) {
	ctx := r.Context()
	loc := tenantLocation(tc.tenant)
	out := csv.NewWriter(w)
	_ = out.Write([]string{"time", "actor_kind", "actor", "action", "target", "details",
		"source_address", "user_agent"})
	var err error
	for len(events) > 0 {
		for _, e := range events {
			_ = out.Write(csvCells(e.At.In(loc).Format(time.RFC3339), e.ActorKind, actorLabel(e),
				e.Action, e.Target, detailsText(e.Details), e.RemoteAddr, e.UserAgent))
		}
		rows += len(events)
		out.Flush()
		if err := out.Error(); err != nil {
			s.log.WarnContext(ctx, "audit export: write", "tenant", tc.tenant.Slug, "error", err)
			return rows, false
		}
		_ = http.NewResponseController(w).Flush()
		if len(events) < exportPage {
			break
		}
		f.BeforeID = events[len(events)-1].ID
		if events, err = s.db.FindAuditEvents(ctx, tc.tenant.ID, f); err != nil {
			s.log.ErrorContext(ctx, "audit export: read", "tenant", tc.tenant.Slug, "error", err)
			return rows, false
		}
	}
	return rows, true
}

// csvCells guards cells against spreadsheets that run a cell starting
// with =, +, - or @ as a formula: such a cell gets a leading apostrophe.
func csvCells(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
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
