package web

import (
	"bytes"
	"context"
	"fmt"
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
	}
}

// streamKeepAlive is how often an idle stream sends a comment, so that
// proxies keep it open and a dead client is noticed.
const streamKeepAlive = 25 * time.Second

// handleNotificationStream sends the rows of notifications that arrive
// while a list is open, as server-sent events named "notification", with
// the same filter as the list.
func (s *Server) handleNotificationStream(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
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

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
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

// sendNewRows sends the rows matching f that are newer than *last as one
// "notification" event, and moves *last to the newest. It reports false
// when the stream must end.
func (s *Server) sendNewRows(w http.ResponseWriter, r *http.Request, tc *tenantCtx,
	f db.NotificationFilter, last *int64) bool {
	ctx := r.Context()
	items, err := s.db.FindNotifications(ctx, tc.tenant.ID, f)
	if err != nil {
		s.log.ErrorContext(ctx, "stream: find notifications", "tenant", tc.tenant.ID, "error", err)
		return false
	}
	var html bytes.Buffer
	newest := *last
	loc := tenantLocation(tc.tenant)
	for _, n := range items {
		if n.ID <= *last {
			break
		}
		newest = max(newest, n.ID)
		if err := views.NotificationRowItem(notificationRow(tc, n, loc)).Render(ctx, &html); err != nil {
			s.log.ErrorContext(ctx, "stream: render row", "error", err)
			return false
		}
	}
	if newest == *last {
		return true
	}
	*last = newest
	err = writeEvent(w, "notification", newest, html.String())
	return err == nil && http.NewResponseController(w).Flush() == nil
}

// writeEvent writes one server-sent event; every line of data gets its own
// "data:" field, as the format requires.
func writeEvent(w http.ResponseWriter, name string, id int64, data string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "event: %s\nid: %d\n", name, id)
	for line := range strings.SplitSeq(data, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, err := fmt.Fprint(w, b.String())
	return err
}
