package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"citylink/carcity"
	"citylink/db"
	"citylink/views"
)

var commandName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// reservedParams are filled in by Citylink from the tenant's credentials;
// staff cannot set them by hand.
var reservedParams = map[string]bool{
	"ai_command": true, "ai_login_id": true, "ai_login_password": true, "ai_sitecom_token": true,
}

// commandSend is one command to send on a tenant's behalf.
type commandSend struct {
	tenantID  int64
	userID    *int64
	actor     string
	command   string
	params    carcity.Params
	source    string
	remote    string
	userAgent string
}

// sendCommand sends a command with the tenant's credentials and records the
// attempt, whatever became of it. The returned error is about Citylink
// itself (the database); what went wrong with the platform is in the
// attempt's Outcome and Error.
func (s *Server) sendCommand(ctx context.Context, c commandSend) (db.CommandAttempt, error) {
	creds, err := s.db.FindCredentials(ctx, c.tenantID)
	if err != nil {
		return db.CommandAttempt{}, fmt.Errorf("find credentials: %w", err)
	}
	a := db.CommandAttempt{
		TenantID:   c.tenantID,
		UserID:     c.userID,
		Command:    c.command,
		Params:     toPairs(redactCommand(c.command, c.params)),
		ServiceURL: creds.ServiceURL,
		StartedAt:  time.Now(),
		Source:     c.source,
	}
	auth, kind, problem := commandAuth(creds)
	a.AuthKind = kind
	if problem != "" {
		a.Outcome, a.Error = "blocked", problem
	} else {
		// The tenant's own timeout can only shorten the operator's.
		sendCtx, cancel := context.WithTimeout(ctx, commandTimeout(creds))
		answer, err := s.client.Command(sendCtx, creds.ServiceURL, auth, c.command, c.params)
		cancel()
		a.Duration = time.Since(a.StartedAt)
		fillAttempt(&a, answer, err)
	}

	stored, err := s.db.CreateCommandAttempt(context.WithoutCancel(ctx), a)
	if err != nil {
		return a, fmt.Errorf("record command attempt: %w", err)
	}
	commandsSent.WithLabelValues(a.Outcome).Inc()
	details := map[string]any{"command": c.command, "outcome": a.Outcome, "auth": a.AuthKind,
		"source": c.source}
	if a.Status != nil {
		details["status"] = *a.Status
	}
	actorKind := "user"
	if c.userID == nil {
		actorKind = "system"
	}
	s.writeAudit(context.WithoutCancel(ctx), db.AuditEvent{
		TenantID: c.tenantID, ActorKind: actorKind, ActorID: c.userID, ActorLabel: c.actor,
		Action: "command.sent", Target: "command " + itoa(stored.ID), Details: details,
		RemoteAddr: c.remote, UserAgent: c.userAgent,
	})
	return stored, nil
}

// commandAuth picks the tenant's way of authenticating commands. A problem
// is said plainly when the settings do not allow it.
func commandAuth(c db.Credentials) (auth carcity.Auth, kind, problem string) {
	switch c.CommandAuth {
	case "static_token":
		if !c.HasStaticToken {
			return auth, "static token", "No platform token is saved. Paste one on the settings page."
		}
		return carcity.Auth{Token: c.StaticToken}, "static token", ""
	case "derived_token":
		if c.LoginID == "" || !c.HasCommKey {
			return auth, "derived token", "Deriving a token needs the login id and the comm_key on the settings page."
		}
		return carcity.Auth{Token: carcity.DeriveToken(c.CommKey, c.LoginID)}, "derived token", ""
	default:
		if c.LoginID == "" || !c.HasPassword {
			return auth, "plain", "No platform login id and password are saved yet. Set them on the settings page."
		}
		return carcity.Auth{LoginID: c.LoginID, Password: c.Password}, "plain", ""
	}
}

func fillAttempt(a *db.CommandAttempt, answer *carcity.Answer, err error) {
	if answer != nil {
		status := answer.HTTPStatus
		a.HTTPStatus = &status
		if answer.HasStatus {
			st := answer.Status
			a.Status = &st
		}
		a.Messages = answer.Messages
		a.Fields = toPairs(answer.Fields)
		a.ResponseBody = string(answer.Raw)
	}
	var ce *carcity.Error
	blocked, isBlocked := blockedMessage(err)
	switch {
	case err == nil:
		a.Outcome = "ok"
	case isBlocked:
		a.Outcome, a.Error = "blocked", blocked
	case errors.As(err, &ce):
		a.Outcome, a.Error = string(ce.Kind), ce.Error()
	default:
		a.Outcome, a.Error = "transport", "The command could not be sent to the platform."
	}
}

// commandTimeout is how long a tenant's command may take: its setting, 30
// seconds when unset.
func commandTimeout(c db.Credentials) time.Duration {
	if c.CommandTimeoutSeconds <= 0 {
		return carcity.DefaultTimeout
	}
	return time.Duration(c.CommandTimeoutSeconds) * time.Second
}

func toPairs(p carcity.Params) []db.Pair {
	out := make([]db.Pair, len(p))
	for i, x := range p {
		out[i] = db.Pair{Name: x.Name, Value: x.Value}
	}
	return out
}

func (s *Server) handleCommands(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	p := s.consoleProps(r, tc)
	users := s.userNames(ctx)
	command, rows, result, err := s.consoleStart(r, tc, users)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p.Result = result
	p.Form, p.Choices = commandForm(command, rows), commandChoices(tc, command)
	if err := s.fillConsole(ctx, r, tc, &p, users); err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.render(w, r, http.StatusOK, views.CommandsPage(p))
}

// consoleStart is what the console's form starts from: the answer just
// sent (?attempt=), an earlier attempt to send again (?from=), a template
// (?template=), a command's empty form (?command=), or nothing.
func (s *Server) consoleStart(r *http.Request, tc *tenantCtx, users func(*int64) string) (
	command string, rows []views.ParamRow, result *views.CommandResult, err error) {
	ctx := r.Context()
	switch {
	case queryInt64(r, "attempt") > 0 || queryInt64(r, "from") > 0:
		id := queryInt64(r, "attempt")
		if id == 0 {
			id = queryInt64(r, "from")
		}
		a, err := s.db.FindCommandAttemptByID(ctx, tc.tenant.ID, id)
		if err != nil {
			return "", nil, nil, err
		}
		if id == queryInt64(r, "attempt") {
			res := s.commandResult(tc, a, users)
			result = &res
		}
		return a.Command, paramRows(a.Params), result, nil
	case queryInt64(r, "template") > 0:
		t, err := s.db.FindCommandTemplateByID(ctx, tc.tenant.ID, queryInt64(r, "template"))
		if err != nil {
			return "", nil, nil, err
		}
		return t.Command, paramRows(t.Params), nil, nil
	case commandName.MatchString(r.URL.Query().Get("command")):
		return r.URL.Query().Get("command"), nil, nil, nil
	}
	return "", nil, nil, nil
}

// consoleProps fills what every rendering of the console shares.
func (s *Server) consoleProps(r *http.Request, tc *tenantCtx) views.CommandsProps {
	p := views.CommandsProps{
		Page:         s.page(r, tc, "Commands", "commands"),
		CanSend:      tc.can(permSend),
		CommandNames: catalogueNames(),
		Choices:      commandChoices(tc, ""),
	}
	if p.CanSend {
		p.TemplateURL = tc.path("/commands/templates")
	}
	return p
}

// fillConsole adds the templates and the filtered history.
func (s *Server) fillConsole(ctx context.Context, r *http.Request, tc *tenantCtx,
	p *views.CommandsProps, users func(*int64) string) error {
	if err := s.fillTemplates(ctx, tc, p); err != nil {
		return err
	}
	return s.fillHistory(ctx, r, tc, p, users)
}

func (s *Server) handleCommandSend(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	command, rows, params, problem := parseCommandForm(r)
	status := http.StatusUnprocessableEntity
	if problem == "" {
		allowed, err := s.allowCommand(ctx, tc.tenant.ID)
		if err != nil {
			s.fail(w, r, tc, err)
			return
		}
		if !allowed {
			problem, status = "Too many commands: this dealership sent as many as Citylink allows "+
				"in a minute. Nothing was sent; try again in a moment.", http.StatusTooManyRequests
		}
	}
	if problem != "" {
		s.renderConsoleProblem(w, r, tc, status, command, rows, problem)
		return
	}
	a, err := s.sendCommand(ctx, commandSend{
		tenantID: tc.tenant.ID, userID: &tc.user.ID, actor: tc.user.Email,
		command: command, params: params, source: "console",
		remote: clientAddr(r), userAgent: r.UserAgent(),
	})
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	if warnings := commandWarnings(command, params); len(warnings) > 0 {
		s.flash(r, strings.Join(warnings, " "))
	}
	// Post, redirect, get: reloading the result page does not send again.
	http.Redirect(w, r, tc.path("/commands?attempt=")+itoa(a.ID), http.StatusSeeOther)
}

// renderConsoleProblem shows the console again with the form as it was
// sent and what is wrong with it.
func (s *Server) renderConsoleProblem(w http.ResponseWriter, r *http.Request, tc *tenantCtx,
	status int, command string, rows []views.ParamRow, problem string) {
	ctx := r.Context()
	p := s.consoleProps(r, tc)
	p.Form, p.Choices = commandForm(command, rows), commandChoices(tc, command)
	p.FormError = problem
	if err := s.fillConsole(ctx, r, tc, &p, s.userNames(ctx)); err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.render(w, r, status, views.CommandsPage(p))
}

// parseCommandForm reads the console form: the command, then param and
// value fields paired in order. Rows left wholly empty and known fields of
// the command's form left empty are dropped; every other row is kept, so
// a form with a mistake comes back as it was sent.
func parseCommandForm(r *http.Request) (string, []views.ParamRow, carcity.Params, string) {
	if err := r.ParseForm(); err != nil {
		return "", nil, nil, "The form could not be read."
	}
	command := strings.TrimSpace(r.PostForm.Get("command"))
	spec, _ := findSpec(command)
	names, values := r.PostForm["param"], r.PostForm["value"]
	var rows []views.ParamRow
	var params carcity.Params
	var problems []string
	for i := range max(len(names), len(values)) {
		var name, value string
		if i < len(names) {
			name = strings.TrimSpace(names[i])
		}
		if i < len(values) {
			value = values[i]
		}
		if value == "" && (name == "" || spec.knownField(name)) {
			continue
		}
		rows = append(rows, views.ParamRow{Name: name, Value: value})
		switch {
		case name == "":
			problems = append(problems, fmt.Sprintf("Row %d has a value but no name.", len(rows)))
		case reservedParams[strings.ToLower(name)]:
			problems = append(problems, fmt.Sprintf(
				"%s is filled in by Citylink from the saved credentials; remove that row.", name))
		}
		params = append(params, carcity.Param{Name: name, Value: value})
	}
	if command == "batch" && len(problems) == 0 {
		if why := checkBatch(params); why != "" {
			problems = append(problems, why)
		}
	}
	if !commandName.MatchString(command) {
		problems = append([]string{"Give a command name: lowercase letters, digits and _ (such as create_lead)."},
			problems...)
	}
	return command, rows, params, strings.Join(problems, " ")
}

func (s *Server) handleCommandAttempt(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	a, err := s.db.FindCommandAttemptByID(r.Context(), tc.tenant.ID, id)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p := views.CommandAttemptProps{
		Page:   s.page(r, tc, "Command "+a.Command, "commands"),
		Result: s.commandResult(tc, a, s.userNames(r.Context())),
	}
	s.render(w, r, http.StatusOK, views.CommandAttemptPage(p))
}

func (s *Server) commandResult(tc *tenantCtx, a db.CommandAttempt,
	users func(*int64) string) views.CommandResult {
	res := views.CommandResult{
		AttemptID:  a.ID,
		AttemptURL: tc.path("/commands/") + itoa(a.ID),
		Command:    a.Command,
		SentAt:     a.StartedAt.In(tenantLocation(tc.tenant)).Format(timeLayout),
		User:       users(a.UserID),
		AuthKind:   a.AuthKind,
		Params:     paramRows(a.Params),
		OK:         a.Outcome == "ok",
		Outcome:    outcomeText(a.Outcome),
		Status:     intText(a.Status),
		Messages:   a.Messages,
		Raw:        a.ResponseBody,
		Duration:   durationText(a),
		Error:      sentence(a.Error),
		ResendURL:  tc.path("/commands?from=") + itoa(a.ID),
	}
	if a.HTTPStatus != nil {
		res.HTTPStatus = *a.HTTPStatus
	}
	if a.Status != nil {
		res.StatusMeaning = "Error (only status 0 means success)"
		if *a.Status == 0 {
			res.StatusMeaning = "Success"
		}
	}
	// The answer is parsed again from the raw body, so that the view
	// shows indexed fields grouped and JSON answers as JSON.
	answer, _ := carcity.ParseAnswer(res.HTTPStatus, []byte(a.ResponseBody))
	if answer != nil && a.ResponseBody != "" {
		if answer.IsJSON {
			if b, err := json.MarshalIndent(answer.JSON, "", "  "); err == nil {
				res.JSON = string(b)
			}
			if a.Command == "batch" {
				res.Items = batchItems(a.ResponseBody, paramValue(a.Params, "json"))
			}
		}
		for _, g := range answer.FieldGroups() {
			res.Fields = append(res.Fields, views.FieldGroup{Name: g.Name, Values: g.Values, Indexed: g.Indexed})
		}
	}
	return res
}

func paramValue(p []db.Pair, name string) string {
	for _, x := range p {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

func paramRows(p []db.Pair) []views.ParamRow {
	rows := make([]views.ParamRow, len(p))
	for i, x := range p {
		rows[i] = views.ParamRow{Name: x.Name, Value: x.Value}
	}
	return rows
}

// userNames returns a lookup from user ids to emails that remembers what
// it found, for pages that list many rows by few people.
func (s *Server) userNames(ctx context.Context) func(*int64) string {
	seen := map[int64]string{}
	return func(id *int64) string {
		if id == nil {
			return "Citylink"
		}
		if name, ok := seen[*id]; ok {
			return name
		}
		name := "user " + itoa(*id)
		if u, err := s.db.FindUserByID(ctx, *id); err == nil {
			name = u.Email
		}
		seen[*id] = name
		return name
	}
}

var outcomeTexts = map[string]string{
	"ok":        "Success",
	"status":    "The platform answered with an error status",
	"malformed": "The answer could not be understood",
	"http":      "The platform answered with an HTTP error",
	"timeout":   "The platform did not answer in time",
	"refused":   "The platform refused the connection",
	"tls":       "The secure connection failed",
	"transport": "The platform could not be reached",
	"blocked":   "Not sent",
}

func outcomeText(o string) string {
	if t, ok := outcomeTexts[o]; ok {
		return t
	}
	return o
}

// sentence makes an error message read as a sentence on a page: the
// protocol client's messages start in lowercase and have no full stop.
func sentence(msg string) string {
	if msg == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[size:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// durationText is how long an attempt took. Times are kept to the
// millisecond, so an answer that came back sooner shows as "<1ms"; an
// attempt that was never sent shows nothing.
func durationText(a db.CommandAttempt) string {
	switch {
	case a.Duration >= time.Millisecond:
		return a.Duration.Round(time.Millisecond).String()
	case a.HTTPStatus != nil:
		return "<1ms"
	}
	return ""
}
