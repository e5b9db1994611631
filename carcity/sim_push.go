package carcity

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// maxNotifyAnswer bounds what is read of a client's answer.
const maxNotifyAnswer = 1 << 20

// errNoNotifyURL is returned when there is nowhere to push to.
var errNoNotifyURL = errors.New("carcity: the simulator has no notify URL")

// HandshakeResult is the outcome of one authenticate request.
type HandshakeResult struct {
	Key        string // the key sent, "" without key authentication
	Answer     []byte // the client's answer body
	HTTPStatus int
	// Mode is "immediate" (credentials with the md5 password), "plain"
	// (credentials with the plain password) or "passive" (status OK); ""
	// when the answer was neither.
	Mode string
	// OK reports whether the answer is acceptable. For "passive" it means
	// accepted but pending: see WaitAuthenticated.
	OK  bool
	Err string // why the answer was not acceptable
}

// DeliveryAttempt is one push of a delivery.
type DeliveryAttempt struct {
	At         time.Time
	HTTPStatus int    // 0 when no answer came back
	Body       []byte // the client's answer
	OK         bool   // a 2xx answer with "status":"OK"
	Err        string // why the attempt does not count as confirmed
}

// Delivery is a queued delivery request, pushed by Run until the client
// confirms it, it runs out of attempts, or confirmation is ignored.
type Delivery struct {
	ID       int
	Messages []Message
	body     []byte

	next time.Time // guarded by the simulator's mutex

	mu        sync.Mutex
	attempts  []DeliveryAttempt
	confirmed bool
	err       error
	done      chan struct{}
}

// Wait blocks until d is finished or ctx ends. It returns nil once d is
// confirmed or was pushed with confirmation ignored, and an error when it
// was given up or ctx ended first.
func (d *Delivery) Wait(ctx context.Context) error {
	select {
	case <-d.done:
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Attempts returns the pushes made so far, oldest first.
func (d *Delivery) Attempts() []DeliveryAttempt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.attempts)
}

// Confirmed reports whether the client answered an attempt with OK.
func (d *Delivery) Confirmed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.confirmed
}

func (d *Delivery) finish(err error) {
	d.mu.Lock()
	d.err = err
	d.mu.Unlock()
	close(d.done)
}

// Authenticated reports whether notifications for Accounts[0] are open:
// after an acceptable immediate handshake, or after the account sent
// authenticate_notifications.
func (s *Simulator) Authenticated() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authed
}

// WaitAuthenticated blocks until Authenticated is true or ctx ends.
func (s *Simulator) WaitAuthenticated(ctx context.Context) error {
	s.mu.Lock()
	authed, ch := s.authed, s.authCh
	s.mu.Unlock()
	if authed {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Simulator) setAuthedLocked() {
	if !s.authed {
		s.authed = true
		close(s.authCh)
	}
}

func (s *Simulator) resetAuthLocked() {
	if s.authed {
		s.authed = false
		s.authCh = make(chan struct{})
	}
}

// Authenticate sends one authenticate request to the notify URL, with a
// fresh random key when withKey is set, and checks the answer against
// Accounts[0]. It starts a new handshake, so Authenticated is false until
// the answer (or, for a passive answer, authenticate_notifications) opens
// notifications again. The error is set only when no answer came back.
func (s *Simulator) Authenticate(ctx context.Context, withKey bool) (HandshakeResult, error) {
	var res HandshakeResult
	if withKey {
		res.Key = newKey()
	}
	req := struct {
		Request string `json:"request"`
		Key     string `json:"key,omitempty"`
	}{RequestAuthenticate, res.Key}
	s.mu.Lock()
	s.resetAuthLocked()
	s.mu.Unlock()

	code, answer, err := s.post(ctx, mustMarshal(req))
	res.HTTPStatus, res.Answer = code, answer
	if err != nil {
		res.Err = err.Error()
		s.logf("authenticate: %s", res.Err)
		return res, err
	}
	s.judgeHandshake(&res)
	if res.OK && res.Mode != "passive" {
		s.mu.Lock()
		s.setAuthedLocked()
		s.mu.Unlock()
		s.signal()
	}
	s.logf("authenticate (key %v): HTTP %d, mode %q, ok %v%s", withKey, code, res.Mode, res.OK,
		because(res.Err))
	return res, nil
}

func newKey() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// judgeHandshake fills Mode, OK and Err from the client's answer.
func (s *Simulator) judgeHandshake(res *HandshakeResult) {
	var answer struct {
		Status   *string `json:"status"`
		LoginID  *string `json:"ai_login_id"`
		Password *string `json:"ai_login_password"`
	}
	if err := json.Unmarshal(res.Answer, &answer); err != nil {
		res.Err = "the answer is not a JSON object"
		return
	}
	var acct Account
	if len(s.cfg.Accounts) > 0 {
		acct = s.cfg.Accounts[0]
	}
	switch {
	case !is2xx(res.HTTPStatus):
		res.Err = fmt.Sprintf("the answer has HTTP status %d", res.HTTPStatus)
	case answer.LoginID != nil && answer.Password != nil:
		want := acct.Password
		res.Mode = "plain"
		if res.Key != "" {
			want = AuthAnswerMD5(acct.LoginID, acct.Password, res.Key)
			res.Mode = "immediate"
		}
		switch {
		case *answer.LoginID != acct.LoginID:
			res.Err = "the answer names another login id"
		case !same(*answer.Password, want):
			res.Err = "the answer's password does not match"
		default:
			res.OK = true
		}
	case answer.Status != nil && *answer.Status == "OK":
		res.Mode, res.OK = "passive", true
	default:
		res.Err = `the answer has neither credentials nor "status":"OK"`
	}
}

// Deliver queues a delivery of messages for Run to push. Nil messages
// send a delivery without the messages field.
func (s *Simulator) Deliver(messages []Message) *Delivery {
	d := &Delivery{Messages: messages, done: make(chan struct{})}
	body, err := deliveryBody(messages)
	if err != nil {
		d.finish(err)
		return d
	}
	d.body = body
	s.mu.Lock()
	s.nextDelivery++
	d.ID = s.nextDelivery
	s.queue = append(s.queue, d)
	s.mu.Unlock()
	s.signal()
	return d
}

// DeliverNow pushes one delivery of messages at once, outside the queue,
// and returns what the client answered. The error is set only when no
// answer came back.
func (s *Simulator) DeliverNow(ctx context.Context, messages []Message) (DeliveryAttempt, error) {
	body, err := deliveryBody(messages)
	if err != nil {
		return DeliveryAttempt{At: time.Now(), Err: err.Error()}, err
	}
	return s.push(ctx, body)
}

func deliveryBody(messages []Message) ([]byte, error) {
	req := struct {
		Request  string    `json:"request"`
		Messages []Message `json:"messages,omitempty"`
	}{Request: RequestDelivery, Messages: messages}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("carcity: encode delivery: %w", err)
	}
	if messages != nil && len(messages) == 0 {
		body = []byte(`{"request":"delivery","messages":[]}`)
	}
	return body, nil
}

// push sends one delivery body and judges the answer.
func (s *Simulator) push(ctx context.Context, body []byte) (DeliveryAttempt, error) {
	a := DeliveryAttempt{At: time.Now()}
	code, answer, err := s.post(ctx, body)
	a.HTTPStatus, a.Body = code, answer
	if err != nil {
		a.Err = err.Error()
		return a, err
	}
	var status struct {
		Status string `json:"status"`
	}
	switch {
	case !is2xx(code):
		a.Err = fmt.Sprintf("the answer has HTTP status %d", code)
	case json.Unmarshal(answer, &status) != nil:
		a.Err = "the answer is not a JSON object"
	case status.Status != "OK":
		a.Err = `the answer has no "status":"OK"`
	default:
		a.OK = true
	}
	return a, nil
}

// post sends a JSON notification body to the notify URL.
func (s *Simulator) post(ctx context.Context, body []byte) (int, []byte, error) {
	s.mu.Lock()
	target := s.notifyURL
	s.mu.Unlock()
	if target == "" {
		return 0, nil, errNoNotifyURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("carcity: notify URL: %w", withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("carcity: notify: %w", withoutURL(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxNotifyAnswer))
	return resp.StatusCode, answer, err
}

// withoutURL is err without the URL that a *url.Error names: a notify URL
// holds its tenant's token, and the error's text is logged.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Run pushes queued deliveries, one at a time, until ctx ends, and then
// returns ctx's error. Unless SkipHandshake is set it first authenticates
// (again after each SetNotifyURL with a new URL), retrying with backoff. A
// delivery that is not confirmed is pushed again after a backoff, unless
// IgnoreConfirmation is set or it has used MaxAttempts.
func (s *Simulator) Run(ctx context.Context) error {
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.mu.Lock()
		hasURL := s.notifyURL != ""
		s.mu.Unlock()
		if !hasURL {
			s.sleep(ctx, -1)
			continue
		}
		if !s.cfg.SkipHandshake && !s.Authenticated() {
			s.handshake(ctx)
			continue
		}
		d, wait := s.nextDue(time.Now())
		if d == nil {
			s.sleep(ctx, wait)
			continue
		}
		s.attempt(ctx, d)
	}
}

// sleep waits for d, a signal or the end of ctx; a negative d waits for a
// signal or the end of ctx only.
func (s *Simulator) sleep(ctx context.Context, d time.Duration) {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
	case <-s.wake:
	case <-timer:
	}
}

// handshake authenticates until it succeeds or ctx ends.
func (s *Simulator) handshake(ctx context.Context) {
	for n := 1; ctx.Err() == nil; n++ {
		res, err := s.Authenticate(ctx, !s.cfg.NoKey)
		if err == nil && res.OK && res.Mode != "passive" {
			return
		}
		if err == nil && res.OK {
			wait, cancel := context.WithTimeout(ctx, s.cfg.PassiveWait)
			err = s.WaitAuthenticated(wait)
			cancel()
			if err == nil {
				return
			}
			s.logf("authenticate: no authenticate_notifications within %s", s.cfg.PassiveWait)
		}
		if !s.pause(ctx, s.backoff(n)) {
			return
		}
	}
}

// pause waits d unless ctx ends first, and reports whether it waited.
func (s *Simulator) pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Simulator) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempt && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

// nextDue returns the queued delivery whose push is due first, if it is
// due at now, or else how long until one is (-1 for an empty queue).
func (s *Simulator) nextDue(now time.Time) (*Delivery, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first *Delivery
	for _, d := range s.queue {
		if first == nil || d.next.Before(first.next) {
			first = d
		}
	}
	switch {
	case first == nil:
		return nil, -1
	case first.next.After(now):
		return nil, first.next.Sub(now)
	default:
		return first, 0
	}
}

// attempt pushes d once and decides whether it is finished.
func (s *Simulator) attempt(ctx context.Context, d *Delivery) {
	a, _ := s.push(ctx, d.body)
	if ctx.Err() != nil {
		return // a push cut short by shutdown is not an attempt
	}
	d.mu.Lock()
	d.attempts = append(d.attempts, a)
	n := len(d.attempts)
	d.confirmed = d.confirmed || a.OK
	d.mu.Unlock()
	s.mu.Lock()
	d.next = time.Now().Add(s.backoff(n)) // read by nextDue under s.mu
	s.mu.Unlock()
	s.logf("delivery %d attempt %d: HTTP %d, ok %v%s", d.ID, n, a.HTTPStatus, a.OK, because(a.Err))

	var err error
	switch {
	case a.OK || s.cfg.IgnoreConfirmation:
	case s.cfg.MaxAttempts > 0 && n >= s.cfg.MaxAttempts:
		err = fmt.Errorf("carcity: delivery %d not confirmed after %d attempts: %s", d.ID, n, a.Err)
	default:
		return
	}
	s.mu.Lock()
	s.queue = slices.DeleteFunc(s.queue, func(q *Delivery) bool { return q == d })
	s.mu.Unlock()
	d.finish(err)
}

// because formats an optional reason for a log line.
func because(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}
