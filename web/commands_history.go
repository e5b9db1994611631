package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"citylink/carcity"
	"citylink/db"
	"citylink/views"
)

// historyFilter reads the history's filter from the query: f_command,
// f_outcome, f_user (a user id, or "system"), and the days f_from and
// f_to, both inclusive, in the tenant's time zone. A day that cannot be
// read is left out and named in problem.
func historyFilter(r *http.Request, loc *time.Location) (
	db.CommandAttemptFilter, views.CommandFilter, string) {
	q := r.URL.Query()
	shown := views.CommandFilter{
		Command: strings.TrimSpace(q.Get("f_command")),
		Outcome: q.Get("f_outcome"),
		User:    q.Get("f_user"),
		From:    q.Get("f_from"),
		To:      q.Get("f_to"),
	}
	f := db.CommandAttemptFilter{Command: shown.Command, BeforeID: queryInt64(r, "before")}
	if _, ok := outcomeTexts[shown.Outcome]; ok {
		f.Outcome = shown.Outcome
	} else {
		shown.Outcome = ""
	}
	if shown.User == "system" {
		f.System = true
	} else if id, err := strconv.ParseInt(shown.User, 10, 64); err == nil && id > 0 {
		f.UserID = id
	} else {
		shown.User = ""
	}
	since, until, problem := dateRange(shown.From, shown.To, loc)
	if since != nil {
		f.Since = *since
	}
	if until != nil {
		f.Until = *until
	}
	shown.From, shown.To = keptDate(shown.From, since), keptDate(shown.To, until)
	return f, shown, problem
}

// historyQuery is the filter as query parameters, for the pager and the
// export.
func historyQuery(f views.CommandFilter) url.Values {
	return nonEmptyQuery(map[string]string{"f_command": f.Command, "f_outcome": f.Outcome,
		"f_user": f.User, "f_from": f.From, "f_to": f.To})
}

// fillHistory adds one page of the filtered history to the console.
func (s *Server) fillHistory(ctx context.Context, r *http.Request, tc *tenantCtx,
	p *views.CommandsProps, users func(*int64) string) error {
	loc := tenantLocation(tc.tenant)
	f, shown, problem := historyFilter(r, loc)
	f.Limit = pageSize + 1
	attempts, err := s.db.FindCommandAttempts(ctx, tc.tenant.ID, f)
	if err != nil {
		return err
	}
	q := historyQuery(shown)
	p.Filter = shown
	p.ExportURL = tc.path("/commands/export?format=csv")
	if len(q) > 0 {
		p.ExportURL += "&" + q.Encode()
	}
	if problem != "" {
		p.Page.Flash = problem
	}
	attempts, before := nextPage(attempts, func(a db.CommandAttempt) int64 { return a.ID })
	if before != 0 {
		q.Set("before", itoa(before))
		p.NextURL = tc.path("/commands?") + q.Encode()
	}
	for _, a := range attempts {
		p.History = append(p.History, views.CommandRow{
			ID:       a.ID,
			URL:      tc.path("/commands/") + itoa(a.ID),
			Command:  a.Command,
			SentAt:   a.StartedAt.In(loc).Format(timeLayout),
			User:     users(a.UserID),
			AuthKind: a.AuthKind,
			Source:   a.Source,
			OK:       a.Outcome == "ok",
			Outcome:  outcomeText(a.Outcome),
			Status:   intText(a.Status),
			Duration: durationText(a),
		})
	}
	for _, o := range outcomeOrder {
		p.Outcomes = append(p.Outcomes, views.Option{Value: o, Label: outcomeTexts[o]})
	}
	return s.fillUserOptions(ctx, tc, p, users)
}

func (s *Server) fillUserOptions(ctx context.Context, tc *tenantCtx, p *views.CommandsProps,
	users func(*int64) string) error {
	ids, err := s.db.FindCommandUserIDs(ctx, tc.tenant.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		p.Users = append(p.Users, views.Option{Value: itoa(id), Label: users(&id)})
	}
	p.Users = append(p.Users, views.Option{Value: "system", Label: users(nil)})
	return nil
}

// outcomeOrder is the order in which the filter offers the outcomes.
var outcomeOrder = []string{"ok", "status", "malformed", "http", "timeout", "refused", "tls",
	"transport", "blocked"}

// historyColumns are the history export's columns, in order.
var historyColumns = []string{"id", "sent_at", "command", "by", "source", "authentication",
	"outcome", "http_status", "status", "duration_ms", "messages", "error", "params"}

// handleCommandExport streams the filtered history as CSV, newest first.
func (s *Server) handleCommandExport(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	loc := tenantLocation(tc.tenant)
	f, shown, problem := historyFilter(r, loc)
	format, err := exportFormat(r, problem, "csv")
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	f.Limit = exportPage
	users := s.userNames(ctx)
	rows, ok := streamExport(s, w, r, tc, exportSpec[db.CommandAttempt]{
		name: "commands", format: format, columns: historyColumns,
		csvRow: func(a db.CommandAttempt) []string { return csvRow(a, loc, users) },
		find: func(ctx context.Context, before int64) ([]db.CommandAttempt, error) {
			f.BeforeID, f.Limit = before, exportPage
			return s.db.FindCommandAttempts(ctx, tc.tenant.ID, f)
		},
		id: func(a db.CommandAttempt) int64 { return a.ID },
	})
	if ok {
		s.auditExport(r, tc, "commands.exported", "command history", format, rows,
			historyQuery(shown))
	}
}

func csvRow(a db.CommandAttempt, loc *time.Location, users func(*int64) string) []string {
	params := make(carcity.Params, len(a.Params))
	for i, p := range a.Params {
		params[i] = carcity.Param{Name: p.Name, Value: p.Value}
	}
	return []string{itoa(a.ID), a.StartedAt.In(loc).Format(time.RFC3339), a.Command,
		users(a.UserID), a.Source, a.AuthKind, a.Outcome, intText(a.HTTPStatus), intText(a.Status),
		itoa(a.Duration.Milliseconds()), strings.Join(a.Messages, "; "), a.Error, params.Encode()}
}
