package web

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"

	"citylink/db"
	"citylink/views"
)

var (
	errForbidden      = errors.New("forbidden")
	errTenantDisabled = errors.New("tenant disabled")
)

// userError is an error whose message is written for the person who made
// the request, with the HTTP status that goes with it.
type userError struct {
	status int
	msg    string
}

func (e *userError) Error() string { return e.msg }

func badRequest(msg string) error { return &userError{status: http.StatusBadRequest, msg: msg} }

// errorPage is the one table from errors to what a person is shown.
func errorPage(err error) (status int, title, msg string) {
	var ue *userError
	switch {
	case errors.As(err, &ue):
		return ue.status, http.StatusText(ue.status), ue.msg
	case errors.Is(err, db.ErrNotFound):
		return http.StatusNotFound, "Not found", "There is nothing here, or you may not see it."
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, "Not allowed",
			"Your role does not allow this. Ask an admin of your dealership."
	case errors.Is(err, db.ErrLastOwner):
		return http.StatusConflict, "A dealership keeps an owner",
			"A dealership keeps at least one owner: make someone else owner first."
	case errors.Is(err, errTenantDisabled):
		return http.StatusForbidden, "Account suspended", "This dealership's Citylink account is suspended."
	default:
		return http.StatusInternalServerError, "Something went wrong",
			"Citylink could not finish this request. Please try again in a moment."
	}
}

// fail answers a request that went wrong. Internal errors are logged and
// shown as a generic page: their text never reaches the body.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, tc *tenantCtx, err error) {
	status, title, msg := errorPage(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", loggedPath(r),
			"error", err)
	}
	p := views.ErrorProps{Status: status, Title: title, Message: msg}
	if tc != nil && status != http.StatusNotFound {
		p.Page = s.page(r, tc, title, "")
	}
	s.render(w, r, status, views.ErrorPage(p))
}

// render writes a page in one piece: it is rendered into a buffer first so
// that a failed render never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.log.ErrorContext(r.Context(), "render failed", "path", loggedPath(r), "error", err)
		http.Error(w, "Citylink could not show this page.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Pages show tenants' data and once-only secrets such as invite links:
	// no cache, shared or private, may keep them.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// accessLog writes one line per request: Info, or Error for a 5xx, with
// the path as loggedPath gives it.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", loggedPath(r),
			"status", rec.status, "duration", time.Since(start))
	})
}

// tokenPaths are the paths whose next segment is a credential: a
// tenant's notification URL, and an invite link.
var tokenPaths = []string{"/hooks/", "/invite/"}

// loggedPath is the request's path as logs may show it: without its query,
// and with the token of a notification URL or an invite left out.
func loggedPath(r *http.Request) string {
	path := r.URL.Path
	for _, prefix := range tokenPaths {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			_, after, _ := strings.Cut(rest, "/")
			if after != "" {
				after = "/" + after
			}
			return prefix + "…" + after
		}
	}
	return path
}

// clientAddr is the address a request came from, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.Ping(r.Context()); err != nil {
		s.log.ErrorContext(r.Context(), "database not reachable", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database not reachable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
