package web

import (
	"context"
	"encoding/csv"
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
// f_to, both inclusive, in the tenant's time zone.
func historyFilter(r *http.Request, loc *time.Location) (
	db.CommandAttemptFilter, views.CommandFilter) {
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
	if d, err := time.ParseInLocation(time.DateOnly, shown.From, loc); err == nil {
		f.Since = d
	} else {
		shown.From = ""
	}
	if d, err := time.ParseInLocation(time.DateOnly, shown.To, loc); err == nil {
		f.Until = d.AddDate(0, 0, 1)
	} else {
		shown.To = ""
	}
	return f, shown
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
	f, shown := historyFilter(r, loc)
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
	if len(attempts) > pageSize {
		attempts = attempts[:pageSize]
		q.Set("before", itoa(attempts[len(attempts)-1].ID))
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

// handleCommandExport streams the filtered history as CSV, page by page,
// so that a long history is never held in memory at once.
func (s *Server) handleCommandExport(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	if f := r.URL.Query().Get("format"); f != "" && f != "csv" {
		s.fail(w, r, tc, badRequest("The history can be exported as CSV only (format=csv)."))
		return
	}
	ctx := r.Context()
	loc := tenantLocation(tc.tenant)
	f, _ := historyFilter(r, loc)
	f.Limit = 500
	users := s.userNames(ctx)

	// The first page is read before anything is written, so that a failing
	// database still gets a proper error page.
	attempts, err := s.db.FindCommandAttempts(ctx, tc.tenant.ID, f)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+tc.tenant.Slug+`-commands.csv"`)
	out := csv.NewWriter(w)
	_ = out.Write([]string{"id", "sent_at", "command", "by", "source", "authentication", "outcome",
		"http_status", "status", "duration_ms", "messages", "error", "params"})
	for len(attempts) > 0 {
		for _, a := range attempts {
			_ = out.Write(csvRow(a, loc, users))
		}
		out.Flush()
		if len(attempts) < f.Limit {
			break
		}
		f.BeforeID = attempts[len(attempts)-1].ID
		if attempts, err = s.db.FindCommandAttempts(ctx, tc.tenant.ID, f); err != nil {
			// The header is sent: the export ends short, and the log says why.
			s.log.ErrorContext(ctx, "export commands", "tenant", tc.tenant.Slug, "error", err)
			return
		}
	}
	out.Flush()
	if err := out.Error(); err != nil {
		// Most likely the client went away; the export is simply short.
		s.log.WarnContext(ctx, "export commands", "tenant", tc.tenant.Slug, "error", err)
	}
}

func csvRow(a db.CommandAttempt, loc *time.Location, users func(*int64) string) []string {
	params := make(carcity.Params, len(a.Params))
	for i, p := range a.Params {
		params[i] = carcity.Param{Name: p.Name, Value: p.Value}
	}
	row := []string{itoa(a.ID), a.StartedAt.In(loc).Format(time.RFC3339), a.Command,
		users(a.UserID), a.Source, a.AuthKind, a.Outcome, intText(a.HTTPStatus), intText(a.Status),
		itoa(a.Duration.Milliseconds()), strings.Join(a.Messages, "; "), a.Error, params.Encode()}
	for i, v := range row {
		row[i] = csvSafe(v)
	}
	return row
}

// csvSafe keeps a spreadsheet from reading a cell as a formula: text that
// starts like one gets a leading apostrophe.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "'" + v
		}
	}
	return v
}
