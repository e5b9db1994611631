package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"citylink/db"
	"citylink/views"
)

// hub fans committed deliveries out to the open notification streams of
// their tenant. It is fed by Postgres LISTEN/NOTIFY, so a delivery taken
// in by any Citylink process reaches streams served by every other.
type hub struct {
	mu     sync.Mutex
	subs   map[int64]map[chan struct{}]struct{}
	ending chan struct{}
	once   sync.Once
}

func newHub() *hub {
	return &hub{subs: map[int64]map[chan struct{}]struct{}{}, ending: make(chan struct{})}
}

// EndStreams closes every open notification stream, for a shutdown: the
// browsers reconnect to another process, or to this one once it is back.
func (s *Server) EndStreams() { s.hub.once.Do(func() { close(s.hub.ending) }) }

func (h *hub) subscribe(tenantID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[tenantID] == nil {
		h.subs[tenantID] = map[chan struct{}]struct{}{}
	}
	h.subs[tenantID][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[tenantID], ch)
		if len(h.subs[tenantID]) == 0 {
			delete(h.subs, tenantID)
		}
		h.mu.Unlock()
	}
}

// publish wakes the tenant's streams. A stream that is still busy with an
// earlier wake-up keeps a single pending one: it reads all that is new
// when it gets to it.
func (h *hub) publish(tenantID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[tenantID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// listen feeds the hub until ctx ends, reconnecting after a lost
// connection.
func (s *Server) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.db.ListenDeliveries(ctx, func(tenantID int64) { s.hub.publish(tenantID) })
		if ctx.Err() != nil {
			return
		}
		s.log.ErrorContext(ctx, "listen for deliveries", "error", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
		// Deliveries committed while the listener was away were announced
		// to no one: every stream looks once for what it missed.
		s.hub.publishAll()
	}
}

// publishAll wakes every open stream, of every tenant.
func (h *hub) publishAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.subs {
		for ch := range subs {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// streamKeepAlive is how often an idle stream sends a comment, so that
// proxies keep it open and a dead client is noticed. It is also how often
// an idle stream checks that its user may still read it.
const streamKeepAlive = 25 * time.Second

// streamLifetime caps one stream, like the session's idle timeout: the
// browser then reconnects, and the new request is checked from scratch.
var streamLifetime = 30 * time.Minute

// streamRowLimit bounds the rows one wake-up sends.
const streamRowLimit = 500

// handleNotificationStream sends the rows of notifications that arrive
// while a list is open, as server-sent events named "notification", with
// the same filter as the list.
func (s *Server) handleNotificationStream(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx, cancelLife := context.WithTimeout(r.Context(), streamLifetime)
	defer cancelLife()
	r = r.WithContext(ctx)
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	_, f, _ := notificationFilter(r, tenantLocation(tc.tenant))
	f.Limit = pageSize

	wake, cancel := s.hub.subscribe(tc.tenant.ID)
	defer cancel()
	// The newest row the page already has: after a reconnect, the browser
	// says which event it saw last.
	last := queryInt64(r, "after")
	if id, err := parseID(r.Header.Get("Last-Event-ID")); err == nil && id > last {
		last = id
	}

	if startEventStream(w, rc) != nil {
		return
	}
	keepAlive := time.NewTicker(streamKeepAlive)
	defer keepAlive.Stop()
	// Rows committed between the page's render and this connection were
	// announced to no one: look once before waiting.
	if !s.sendNewRows(w, r, tc, f, &last) {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.hub.ending:
			return
		case <-keepAlive.C:
			if !s.streamAllowed(r, tc) {
				return
			}
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-wake:
			if !s.sendNewRows(w, r, tc, f, &last) {
				return
			}
		}
	}
}

// startEventStream sends the headers of a stream of server-sent events.
func startEventStream(w http.ResponseWriter, rc *http.ResponseController) error {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return rc.Flush()
}

// streamAllowed reports whether the stream's user may still read it; a
// failed check ends the stream too.
func (s *Server) streamAllowed(r *http.Request, tc *tenantCtx) bool {
	ok, err := s.streamAccess(r.Context(), tc)
	if err != nil {
		s.logStreamError(r.Context(), "stream: check access", tc, err)
	}
	return ok
}

// streamAccess asks the session store and the database again, since the
// session was loaded once, when the stream began: a sign-out, a bump of
// the session version, a removal from the tenant and its suspension each
// take access away.
func (s *Server) streamAccess(ctx context.Context, tc *tenantCtx) (bool, error) {
	_, found, err := s.store.Find(s.sessions.Token(ctx))
	if err != nil || !found {
		return false, err
	}
	u, err := s.db.FindUserByID(ctx, tc.user.ID)
	if err != nil {
		return false, ignoreNotFound(err)
	}
	if u.SessionVersion != s.sessions.GetInt(ctx, sessionVersionKey) {
		return false, nil
	}
	m, err := s.db.FindMembership(ctx, tc.tenant.ID, tc.user.ID)
	if err != nil {
		return false, ignoreNotFound(err)
	}
	return !m.Tenant.Disabled() && roleAllows(m.Role, permRead), nil
}

// ignoreNotFound is err, or nil when err says that something is gone.
func ignoreNotFound(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	return err
}

// logStreamError logs a failure of a stream, unless the stream ended
// because its browser went away or its lifetime ran out.
func (s *Server) logStreamError(ctx context.Context, msg string, tc *tenantCtx, err error) {
	if ctx.Err() != nil {
		return
	}
	s.log.ErrorContext(ctx, msg, "tenant", tc.tenant.ID, "error", err)
}

// sendNewRows sends the rows matching f that are newer than *last as one
// "notification" event, and moves *last to the newest. It reports false
// when the stream must end.
func (s *Server) sendNewRows(w http.ResponseWriter, r *http.Request, tc *tenantCtx,
	f db.NotificationFilter, last *int64) bool {
	ctx := r.Context()
	if !s.streamAllowed(r, tc) {
		return false
	}
	items, err := s.findNewRows(ctx, tc.tenant.ID, f, *last)
	if err != nil {
		s.logStreamError(ctx, "stream: find notifications", tc, err)
		return false
	}
	if len(items) == 0 {
		return true
	}
	var html bytes.Buffer
	loc := tenantLocation(tc.tenant)
	for _, n := range items {
		if err := views.NotificationRowItem(notificationRow(tc, n, loc)).Render(ctx, &html); err != nil {
			s.logStreamError(ctx, "stream: render row", tc, err)
			return false
		}
	}
	*last = items[0].ID
	err = writeEvent(w, "notification", *last, html.String())
	return err == nil && http.NewResponseController(w).Flush() == nil
}

// findNewRows returns the rows matching f that are newer than last, newest
// first, paging down from the newest until it reaches last.
func (s *Server) findNewRows(ctx context.Context, tenantID int64, f db.NotificationFilter,
	last int64) ([]db.Notification, error) {
	var rows []db.Notification
	for len(rows) < streamRowLimit {
		page, err := s.db.FindNotifications(ctx, tenantID, f)
		if err != nil {
			return nil, err
		}
		for _, n := range page {
			if n.ID <= last {
				return rows, nil
			}
			rows = append(rows, n)
		}
		if len(page) < f.Limit {
			return rows, nil
		}
		f.BeforeID = page[len(page)-1].ID
	}
	// TODO: a burst of more than streamRowLimit rows in one wake-up sends
	// only the newest ones; the older rest shows when the list is reloaded.
	return rows, nil
}

// writeEvent writes one server-sent event; every line of data gets its own
// "data:" field, as the format requires. The format ends a line at "\r\n",
// "\r" or "\n", so all three are split on: no line of data may start a
// field of its own.
func writeEvent(w io.Writer, name string, id int64, data string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "event: %s\nid: %d\n", name, id)
	data = strings.ReplaceAll(data, "\r\n", "\n")
	data = strings.ReplaceAll(data, "\r", "\n")
	for line := range strings.SplitSeq(data, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
