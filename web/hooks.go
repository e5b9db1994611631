package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"citylink/carcity"
	"citylink/db"
)

// Answers to the platform that name no tenant, so that an unknown token
// and a known one look alike from outside.
const (
	hookUnknownMsg     = "unknown notification URL"
	hookUnavailableMsg = "Citylink cannot take this request right now; please send it again later"
)

// handleHook is a tenant's notification URL (PROTOCOL 2). The token finds
// the tenant; everything after that is done inside that tenant. Every
// request that reaches a tenant is recorded, rejected ones too, and a
// delivery is answered OK only once it is committed.
func (s *Server) handleHook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tenant, rec, ok := s.hookTenant(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.HookBodyLimit))
	rec.Body = body
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.rejectHook(ctx, w, rec, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the body is larger than %d bytes", s.cfg.HookBodyLimit))
		return
	case err != nil:
		s.rejectHook(ctx, w, rec, http.StatusBadRequest, "the body could not be read")
		return
	case tenant.Disabled():
		// Not OK, so that the platform keeps the messages and sends them
		// again once the tenant is enabled.
		s.rejectHook(ctx, w, rec, http.StatusServiceUnavailable,
			"notifications for this account are paused; please send them again later")
		return
	}

	req, err := carcity.DecodeRequest(body)
	if err != nil {
		s.rejectHook(ctx, w, rec, http.StatusBadRequest, err.Error())
		return
	}
	rec.RequestKind = req.Request
	if req.Request == "authenticate" {
		s.hookAuthenticate(ctx, w, tenant, rec, req)
		return
	}
	s.hookDelivery(ctx, w, rec, req)
}

// handleHookOtherMethod answers a notification URL asked with a method
// other than POST: recorded like every request that names a tenant, and
// answered in JSON like them.
func (s *Server) handleHookOtherMethod(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := s.hookTenant(w, r)
	if !ok {
		return
	}
	w.Header().Set("Allow", http.MethodPost)
	s.rejectHook(r.Context(), w, rec, http.StatusMethodNotAllowed,
		"a notification URL takes only POST requests")
}

// hookTenant finds the tenant whose notification URL the request names
// and starts the record of the request. When there is none, or it cannot
// be looked up, it answers the request and reports false.
func (s *Server) hookTenant(w http.ResponseWriter, r *http.Request) (db.Tenant, db.HookRequest, bool) {
	ctx := r.Context()
	tenant, err := s.db.FindTenantByHookToken(ctx, r.PathValue("token"))
	if errors.Is(err, db.ErrNotFound) {
		hookRequests.WithLabelValues("unknown").Inc()
		writeJSON(w, http.StatusNotFound, carcity.ErrorAnswer(hookUnknownMsg))
		return db.Tenant{}, db.HookRequest{}, false
	}
	if err != nil {
		s.log.ErrorContext(ctx, "hook: find tenant", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, carcity.ErrorAnswer(hookUnavailableMsg))
		return db.Tenant{}, db.HookRequest{}, false
	}
	rec := db.HookRequest{
		TenantID:   tenant.ID,
		ReceivedAt: time.Now(),
		RemoteAddr: clientAddr(r),
		Method:     r.Method,
		Headers:    recordedHeaders(r.Header),
	}
	return tenant, rec, true
}

// rejectHook records a refused request and answers it with an error.
func (s *Server) rejectHook(ctx context.Context, w http.ResponseWriter, rec db.HookRequest,
	status int, msg string) {
	rec.Outcome = "rejected"
	s.answerHookError(ctx, w, rec, status, msg)
}

// answerHookError records a request that ends in an error, with the
// outcome rec has and msg as its error unless rec names one, and answers
// it with msg.
func (s *Server) answerHookError(ctx context.Context, w http.ResponseWriter, rec db.HookRequest,
	status int, msg string) {
	answer := carcity.ErrorAnswer(msg)
	rec.AnswerStatus, rec.AnswerBody = status, string(answer)
	if rec.Error == "" {
		rec.Error = msg
	}
	if _, err := s.db.CreateHookRequest(context.WithoutCancel(ctx), rec); err != nil {
		s.log.ErrorContext(ctx, "hook: record request", "tenant", rec.TenantID, "error", err)
	}
	hookRequests.WithLabelValues(rec.Outcome).Inc()
	writeJSON(w, status, answer)
}

func (s *Server) hookDelivery(ctx context.Context, w http.ResponseWriter, rec db.HookRequest,
	req carcity.Request) {
	msgs := make([]db.NewNotification, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = db.NewNotification{Type: m.Type, Data: m.Data}
	}
	rec.MessageCount = len(msgs)
	if len(msgs) > 0 {
		rec.MessagesHash = messagesHash(req.Messages)
	}
	ok := carcity.OKAnswer()
	rec.Outcome, rec.AnswerStatus, rec.AnswerBody = "accepted", http.StatusOK, string(ok)

	if _, err := s.db.CreateDelivery(ctx, rec, msgs); err != nil {
		s.log.ErrorContext(ctx, "hook: store delivery", "tenant", rec.TenantID, "error", err)
		rec.Outcome, rec.Error = "error", "the delivery could not be stored"
		s.answerHookError(ctx, w, rec, http.StatusInternalServerError, hookUnavailableMsg)
		return
	}
	hookRequests.WithLabelValues("delivery").Inc()
	notificationsStored.Add(float64(len(msgs)))
	writeJSON(w, http.StatusOK, ok)
}

func (s *Server) hookAuthenticate(ctx context.Context, w http.ResponseWriter, tenant db.Tenant,
	rec db.HookRequest, req carcity.Request) {
	creds, err := s.db.FindCredentials(ctx, tenant.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "hook: find credentials", "tenant", tenant.ID, "error", err)
		s.auditPlatform(ctx, rec, "platform.authenticate",
			map[string]any{"with_key": req.HasKey, "outcome": "error: credentials not readable"})
		rec.Outcome, rec.Error = "error", "the platform credentials could not be read"
		s.answerHookError(ctx, w, rec, http.StatusServiceUnavailable, hookUnavailableMsg)
		return
	}
	details := map[string]any{"auth_mode": creds.AuthMode, "with_key": req.HasKey}
	if creds.LoginID == "" || !creds.HasPassword {
		// Our side's state, not the platform's fault: an error, not a
		// refusal of the request.
		details["outcome"] = "error: no platform credentials saved"
		s.auditPlatform(ctx, rec, "platform.authenticate", details)
		rec.Outcome = "error"
		s.answerHookError(ctx, w, rec, http.StatusServiceUnavailable,
			"this account has no platform credentials yet; please try again later")
		return
	}

	answer, passive := carcity.AuthenticateAnswer(carcity.AuthMode(creds.AuthMode), creds.AllowPlain,
		creds.LoginID, creds.Password, req)
	rec.Outcome, rec.AnswerStatus = "accepted", http.StatusOK
	// The answer proves knowledge of the password (or is the password), so
	// only its shape is recorded.
	rec.AnswerBody = string(answer)
	details["answer"] = "passive"
	if !passive {
		rec.AnswerBody = `{"ai_login_id":` + jsonString(creds.LoginID) + `,"ai_login_password":"[redacted]"}`
		details["answer"] = "md5"
		if !req.HasKey {
			details["answer"] = "plain"
		}
	}
	if passive {
		if err := s.enqueueAuthenticateNotifications(ctx, tenant.ID); err != nil {
			s.log.ErrorContext(ctx, "hook: enqueue authenticate_notifications", "tenant", tenant.ID, "error", err)
			rec.Outcome, rec.AnswerStatus = "error", http.StatusInternalServerError
			rec.AnswerBody, rec.Error = string(carcity.ErrorAnswer(hookUnavailableMsg)), "follow-up not queued"
		}
	}
	if _, err := s.db.CreateHookRequest(ctx, rec); err != nil {
		s.log.ErrorContext(ctx, "hook: record handshake", "tenant", tenant.ID, "error", err)
		writeJSON(w, http.StatusInternalServerError, carcity.ErrorAnswer(hookUnavailableMsg))
		return
	}
	details["outcome"] = rec.Outcome
	s.auditPlatform(ctx, rec, "platform.authenticate", details)
	hookRequests.WithLabelValues("authenticate").Inc()
	if rec.Outcome != "accepted" {
		writeJSON(w, rec.AnswerStatus, []byte(rec.AnswerBody))
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

func (s *Server) auditPlatform(ctx context.Context, rec db.HookRequest, action string,
	details map[string]any) {
	s.writeAudit(context.WithoutCancel(ctx), db.AuditEvent{
		TenantID:   rec.TenantID,
		ActorKind:  "platform",
		ActorLabel: "platform",
		Action:     action,
		Target:     "notification URL",
		Details:    details,
		RemoteAddr: rec.RemoteAddr,
		UserAgent:  strings.Join(rec.Headers["User-Agent"], " "),
	})
}

// messagesHash identifies a delivery's content, so that a re-sent delivery
// can be recognised as a repeat. Data is normalised (object keys sorted,
// numbers kept as written) so that spacing and key order do not matter.
func messagesHash(msgs []carcity.Message) string {
	type canon struct {
		Type string `json:"type"`
		Data any    `json:"data"`
	}
	list := make([]canon, len(msgs))
	for i, m := range msgs {
		dec := json.NewDecoder(strings.NewReader(string(m.Data)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			v = string(m.Data)
		}
		list[i] = canon{Type: m.Type, Data: v}
	}
	b, err := json.Marshal(list)
	if err != nil {
		b = fmt.Appendf(nil, "%v", list)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// recordedHeaders keeps a request's headers, less any that could carry a
// credential of somebody's.
func recordedHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for name, values := range h {
		switch http.CanonicalHeaderKey(name) {
		case "Authorization", "Cookie", "Proxy-Authorization":
			out[name] = []string{"[redacted]"}
		default:
			out[name] = values
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
