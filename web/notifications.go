package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"citylink/db"
	"citylink/views"
)

func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	vf, f, problem := notificationFilter(r, tenantLocation(tc.tenant))
	f.BeforeID, f.Limit = queryInt64(r, "before"), pageSize+1
	items, err := s.db.FindNotifications(ctx, tc.tenant.ID, f)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	types, err := s.db.FindNotificationTypes(ctx, tc.tenant.ID)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	fq := filterQuery(vf)
	p := views.NotificationsProps{
		Page:      s.page(r, tc, "Notifications", "notifications"),
		Filter:    vf,
		Types:     types,
		ReadURL:   tc.path("/notifications/read"),
		BackURL:   r.URL.RequestURI(),
		ExportURL: tc.path("/notifications/export?") + fq.Encode(),
	}
	// Live rows join the first page only: an older page stays as it is.
	if f.BeforeID == 0 {
		if len(items) > 0 {
			fq.Set("after", itoa(items[0].ID))
		}
		p.StreamURL = tc.path("/notifications/stream?") + fq.Encode()
	}
	if problem != "" {
		p.Page.Flash = problem
	}
	items, before := nextPage(items, func(n db.Notification) int64 { return n.ID })
	if before != 0 {
		q := filterQuery(vf)
		q.Set("before", itoa(before))
		p.NextURL = tc.path("/notifications?") + q.Encode()
	}
	loc := tenantLocation(tc.tenant)
	for _, n := range items {
		p.Items = append(p.Items, notificationRow(tc, n, loc))
	}
	s.render(w, r, http.StatusOK, views.NotificationsPage(p))
}

// notificationFilter reads the list's query parameters. A date that cannot
// be read is left out of the filter and named in problem, and the rest of
// the filter still applies.
func notificationFilter(r *http.Request, loc *time.Location) (
	views.NotificationFilter, db.NotificationFilter, string) {
	q := r.URL.Query()
	vf := views.NotificationFilter{
		Type:    strings.TrimSpace(q.Get("type")),
		Query:   strings.TrimSpace(q.Get("q")),
		From:    strings.TrimSpace(q.Get("from")),
		To:      strings.TrimSpace(q.Get("to")),
		Unread:  q.Get("unread") == "1",
		Repeats: q.Get("repeats") == "1",
	}
	if vf.Type == "all" {
		vf.Type = ""
	}
	f := db.NotificationFilter{
		Type: vf.Type, Query: vf.Query, Unread: vf.Unread, WithRepeats: vf.Repeats,
	}
	var problem string
	f.From, f.To, problem = dateRange(vf.From, vf.To, loc)
	vf.From, vf.To = keptDate(vf.From, f.From), keptDate(vf.To, f.To)
	return vf, f, problem
}

// filterQuery is the list's filter as query parameters, for the links that
// must keep it: the pager, the stream, the export.
func filterQuery(vf views.NotificationFilter) url.Values {
	q := nonEmptyQuery(map[string]string{"type": vf.Type, "q": vf.Query, "from": vf.From,
		"to": vf.To})
	if vf.Unread {
		q.Set("unread", "1")
	}
	if vf.Repeats {
		q.Set("repeats", "1")
	}
	return q
}

func notificationRow(tc *tenantCtx, n db.Notification, loc *time.Location) views.NotificationRow {
	row := views.NotificationRow{
		ID:         n.ID,
		URL:        tc.path("/notifications/") + itoa(n.ID),
		Type:       n.Type,
		ReceivedAt: n.ReceivedAt.In(loc).Format(timeLayout),
		Summary:    summary(n.Type, n.Data),
		Repeat:     n.RepeatOf != nil,
		Read:       n.ReadAt != nil,
		ReadBy:     readBy(n, loc),
	}
	if m := message(n); m.Text == "" && m.Person == nil {
		row.Message = m
	}
	return row
}

// readBy says who read a notification and when; "" for an unread one.
func readBy(n db.Notification, loc *time.Location) string {
	if n.ReadAt == nil {
		return ""
	}
	who := n.ReadByEmail
	if who == "" {
		who = "a former member"
	}
	return "Read by " + who + " at " + n.ReadAt.In(loc).Format(timeLayout)
}

// message makes a notification's data readable: generic and simple as
// text, new_user as a person, always with the tree of the data (nil when
// it is not JSON that a tree can show).
func message(n db.Notification) views.Message {
	var m views.Message
	var text string
	switch {
	case (n.Type == "generic" || n.Type == "simple") && json.Unmarshal(n.Data, &text) == nil:
		m.Text = text
	case n.Type == "new_user":
		m.Person = person(n.Data)
	}
	if tree, err := jsonTree(n.Data); err == nil {
		m.Tree = tree
	}
	return m
}

// summaryLen bounds the one-line summary of a notification in lists.
const summaryLen = 140

// summary is a one-line, readable account of a message's data.
func summary(typ string, data json.RawMessage) string {
	var text string
	if json.Unmarshal(data, &text) == nil {
		return clip(text)
	}
	if p := person(data); p != nil && (p.FirstName != "" || p.LastName != "") {
		name := strings.TrimSpace(p.FirstName + " " + p.LastName)
		if p.Email != "" {
			name += " <" + p.Email + ">"
		}
		return clip(name)
	}
	var compact bytes.Buffer
	if json.Compact(&compact, data) != nil {
		return clip(string(data))
	}
	return clip(compact.String())
}

func clip(s string) string { return clipTo(s, summaryLen) }

// clipTo folds the white space of s and cuts it to n characters.
func clipTo(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// person reads a message that describes a person, such as new_user.
func person(data json.RawMessage) *views.Person {
	var p struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Email     string `json:"email"`
		Phone     string `json:"phone"`
	}
	if json.Unmarshal(data, &p) != nil {
		return nil
	}
	return &views.Person{FirstName: p.FirstName, LastName: p.LastName, Email: p.Email, Phone: p.Phone}
}

func (s *Server) handleNotification(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	n, err := s.db.FindNotificationByID(r.Context(), tc.tenant.ID, id)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p := views.NotificationProps{
		Page:       s.page(r, tc, "Notification "+itoa(n.ID), "notifications"),
		ID:         n.ID,
		Type:       n.Type,
		ReceivedAt: n.ReceivedAt.In(tenantLocation(tc.tenant)).Format(timeLayout),
		DataJSON:   prettyJSON(n.Data),
		RequestURL: tc.path("/requests/") + itoa(n.RequestID),
		Read:       n.ReadAt != nil,
		ReadBy:     readBy(n, tenantLocation(tc.tenant)),
		Message:    message(n),
		ReadURL:    tc.path("/notifications/read"),
	}
	if n.RepeatOf != nil {
		p.RepeatOfURL = tc.path("/notifications/") + itoa(*n.RepeatOf)
	}
	s.render(w, r, http.StatusOK, views.NotificationPage(p))
}

func prettyJSON(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}

func (s *Server) handleHookRequest(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	hr, err := s.db.FindHookRequestByID(r.Context(), tc.tenant.ID, id)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p := views.HookRequestProps{
		Page:         s.page(r, tc, "Request "+itoa(hr.ID), "requests"),
		ID:           hr.ID,
		ReceivedAt:   hr.ReceivedAt.In(tenantLocation(tc.tenant)).Format(timeLayout),
		RemoteAddr:   hr.RemoteAddr,
		Method:       hr.Method,
		Kind:         hr.RequestKind,
		Outcome:      hr.Outcome,
		Body:         bodyText(hr.Body),
		AnswerStatus: hr.AnswerStatus,
		AnswerBody:   hr.AnswerBody,
		Error:        hr.Error,
	}
	names := make([]string, 0, len(hr.Headers))
	for name := range hr.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p.Headers = append(p.Headers, views.HeaderLine{Name: name, Value: strings.Join(hr.Headers[name], ", ")})
	}
	if hr.RepeatOf != nil {
		p.RepeatOfURL = tc.path("/requests/") + itoa(*hr.RepeatOf)
	}
	s.render(w, r, http.StatusOK, views.HookRequestPage(p))
}

// bodyText shows a recorded body: JSON pretty-printed, other text as it
// came, and bytes that are not text escaped.
func bodyText(b []byte) string {
	if json.Valid(b) {
		return prettyJSON(b)
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return url.PathEscape(string(b))
}

// maxMarked bounds how many notifications one marking request may name.
const maxMarked = 1000

// handleNotificationsRead marks the notifications named by the id fields
// read or unread (state). Viewers may do it too: the inbox is theirs, and
// the read state changes nothing on the platform. The reader and time are
// kept on each row, so no audit event is written for it.
func (s *Server) handleNotificationsRead(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, tc, badRequest("The form could not be read."))
		return
	}
	state := r.PostForm.Get("state")
	if state != "read" && state != "unread" {
		s.fail(w, r, tc, badRequest("Choose to mark read or unread."))
		return
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if id, err := parseID(v); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxMarked {
		s.fail(w, r, tc, badRequest("Mark at most 1000 notifications at a time."))
		return
	}
	back, ok := notificationsBack(tc, r.PostForm.Get("back"))
	if !ok {
		back = tc.path("/notifications")
		if len(ids) == 1 {
			back += "/" + itoa(ids[0])
		}
	}
	if len(ids) == 0 {
		s.flash(r, "Select the notifications to mark first.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	n, err := s.db.UpdateNotificationsRead(r.Context(), tc.tenant.ID, ids, tc.user.ID, state == "read")
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.flash(r, fmt.Sprintf("Marked %d as %s.", n, state))
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// notificationColumns are the CSV export's columns, in order.
var notificationColumns = []string{"id", "received_at", "type", "data", "repeat_of",
	"request_id", "read_at"}

// notificationLine is one line of the NDJSON export.
type notificationLine struct {
	ID         int64           `json:"id"`
	ReceivedAt time.Time       `json:"received_at"`
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
	RepeatOf   *int64          `json:"repeat_of"`
	RequestID  int64           `json:"request_id"`
	ReadAt     *time.Time      `json:"read_at"`
}

// handleNotificationsExport streams the filtered list as CSV or NDJSON,
// newest first.
func (s *Server) handleNotificationsExport(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	vf, f, problem := notificationFilter(r, tenantLocation(tc.tenant))
	format, err := exportFormat(r, problem, "csv", "ndjson")
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	rows, ok := streamExport(s, w, r, tc, exportSpec[db.Notification]{
		name: "notifications", format: format, columns: notificationColumns,
		csvRow: func(n db.Notification) []string {
			return []string{itoa(n.ID), n.ReceivedAt.UTC().Format(time.RFC3339Nano), n.Type,
				string(n.Data), optionalID(n.RepeatOf), itoa(n.RequestID), optionalTime(n.ReadAt)}
		},
		jsonRow: func(n db.Notification) any {
			return notificationLine{ID: n.ID, ReceivedAt: n.ReceivedAt.UTC(), Type: n.Type,
				Data: n.Data, RepeatOf: n.RepeatOf, RequestID: n.RequestID, ReadAt: n.ReadAt}
		},
		find: func(ctx context.Context, before int64) ([]db.Notification, error) {
			f.BeforeID, f.Limit = before, exportPage
			return s.db.FindNotifications(ctx, tc.tenant.ID, f)
		},
		id: func(n db.Notification) int64 { return n.ID },
	})
	if ok {
		s.auditExport(r, tc, "notifications.exported", "notifications", format, rows,
			filterQuery(vf))
	}
}

// notificationsBack is where marking returns to: back, cleaned, when it is
// a path within the tenant's notifications. Anything else, such as a path
// that climbs out with "..", a backslash that browsers read as a slash or
// a "//" that names another host, is refused.
func notificationsBack(tc *tenantCtx, back string) (string, bool) {
	if back == "" || strings.HasPrefix(back, "//") || strings.Contains(back, `\`) {
		return "", false
	}
	u, err := url.Parse(back)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.Contains(u.Path, `\`) {
		return "", false
	}
	clean, base := path.Clean(u.Path), tc.path("/notifications")
	if clean != base && !strings.HasPrefix(clean, base+"/") {
		return "", false
	}
	return (&url.URL{Path: clean, RawQuery: u.RawQuery}).String(), true
}
