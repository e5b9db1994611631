package carcity

import (
	"crypto/subtle"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Account is an API account of the simulated platform.
type Account struct {
	LoginID  string
	Password string
	// CommKey, when set, makes DeriveToken(CommKey, LoginID) a valid
	// ai_sitecom_token for the account.
	CommKey string
	// Tokens are further ai_sitecom_token values accepted for the account,
	// like the tokens the platform issues.
	Tokens []string
}

// SiteUser is a user of the simulated dealer site, for the validate_user
// and user_login_token commands.
type SiteUser struct {
	ID       int
	Username string
	Password string
}

// SimConfig configures a [Simulator]. Zero durations take the defaults
// named on each field.
type SimConfig struct {
	Accounts  []Account
	SiteUsers []SiteUser

	// NotifyURL is where notifications for Accounts[0] are pushed. It may
	// be set later with SetNotifyURL.
	NotifyURL string

	// NoKey turns key authentication off: authenticate requests then carry
	// no key and expect the plain password back.
	NoKey bool

	// SkipHandshake makes Run push deliveries without an authenticate
	// handshake first. Without it Run authenticates before any delivery,
	// and accepts a passive {"status":"OK"} once authenticate_notifications
	// arrives within PassiveWait (default 30s).
	SkipHandshake bool
	PassiveWait   time.Duration

	// IgnoreConfirmation makes every delivery a single attempt, whatever
	// the client answers.
	IgnoreConfirmation bool

	// RetryBase and RetryMax bound the backoff between attempts: the n-th
	// re-send waits RetryBase*2^(n-1), at most RetryMax (defaults 1s and
	// 1m). MaxAttempts gives up after that many attempts; 0 means until
	// Run's context ends.
	RetryBase   time.Duration
	RetryMax    time.Duration
	MaxAttempts int

	// HTTP pushes notifications; nil means a client with a 10s timeout.
	HTTP *http.Client

	// Logf, when set, receives one line per event. No credential is ever
	// passed to it.
	Logf func(format string, args ...any)

	// LeadNotifications queues a new_lead delivery after each successful
	// create_lead.
	LeadNotifications bool
}

// ReceivedCommand is one command the simulator answered.
type ReceivedCommand struct {
	At         time.Time
	Command    string
	Params     Params // every pair as received, secrets redacted
	Auth       string // "plain", "token" or "none"
	LoginID    string // the account the credentials matched, or ""
	HTTPStatus int
	Status     int
	Messages   []string
	InBatch    bool // one parameter set of a batch command
}

// Lead is a lead created through create_lead.
type Lead struct {
	ID      int
	LoginID string
	Params  Params // the command parameters, without ai_* pairs, secrets redacted
}

// Simulator plays the platform: it answers commands (it is an
// [http.Handler]) and pushes notifications to a client (see Run). It is
// safe for concurrent use.
type Simulator struct {
	cfg  SimConfig
	http *http.Client
	wake chan struct{}

	mu           sync.Mutex
	notifyURL    string
	authed       bool
	authCh       chan struct{} // closed when authed becomes true
	failCommands int
	commands     []ReceivedCommand
	leads        []Lead
	nextLeadID   int
	userTokens   map[int]userToken
	queue        []*Delivery
	nextDelivery int
}

type userToken struct {
	token   string
	expires time.Time
}

// maxLog bounds the command and lead logs of a long-running simulator.
const maxLog = 10000

// maxCommandSize bounds a command body.
const maxCommandSize = 1 << 20

// NewSimulator returns a simulator for cfg.
func NewSimulator(cfg SimConfig) *Simulator {
	if cfg.PassiveWait <= 0 {
		cfg.PassiveWait = 30 * time.Second
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = time.Minute
	}
	s := &Simulator{
		cfg:        cfg,
		http:       cfg.HTTP,
		wake:       make(chan struct{}, 1),
		notifyURL:  cfg.NotifyURL,
		authCh:     make(chan struct{}),
		nextLeadID: 1001,
		userTokens: make(map[int]userToken),
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: 10 * time.Second}
	}
	return s
}

// SetNotifyURL sets where notifications are pushed. A new URL means a new
// client, so Run authenticates again before the next delivery.
func (s *Simulator) SetNotifyURL(u string) {
	s.mu.Lock()
	if u != s.notifyURL {
		s.notifyURL = u
		s.resetAuthLocked()
	}
	s.mu.Unlock()
	s.signal()
}

// SetFailCommands makes the next n commands fail with HTTP 500.
func (s *Simulator) SetFailCommands(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCommands = n
}

// Commands returns the log of answered commands, oldest first.
func (s *Simulator) Commands() []ReceivedCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// Leads returns the leads created so far, oldest first.
func (s *Simulator) Leads() []Lead {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.leads)
}

// ServeHTTP answers one command: a POST with a URL-encoded body, on any
// path. Answers are URL-encoded pairs, or a JSON array for batch.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "commands are sent with POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCommandSize))
	if err != nil {
		writePairs(w, http.StatusRequestEntityTooLarge, simAnswer{Status: 1,
			Messages: []string{"The request is too large"}})
		return
	}

	params := ParseParams(string(body))
	rc := ReceivedCommand{At: time.Now(), Command: params.Get("ai_command"), Params: Redact(params)}
	if s.takeFailure() {
		ans := simAnswer{Status: 1, Messages: []string{"Simulated server error"}}
		s.record(rc, http.StatusInternalServerError, ans)
		writePairs(w, http.StatusInternalServerError, ans)
		return
	}

	acct, kind := s.account(params)
	rc.Auth = kind
	if acct == nil {
		ans := simAnswer{Status: -1, Messages: []string{"Invalid login credentials"}}
		s.record(rc, http.StatusOK, ans)
		writePairs(w, http.StatusOK, ans)
		return
	}
	rc.LoginID = acct.LoginID
	if rc.Command == "batch" {
		s.serveBatch(w, rc, acct, params)
		return
	}
	ans := s.run(acct, rc.Command, params)
	s.record(rc, http.StatusOK, ans)
	writePairs(w, http.StatusOK, ans)
}

func (s *Simulator) takeFailure() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failCommands > 0 {
		s.failCommands--
		return true
	}
	return false
}

// account returns the account that params authenticate, if any, and the
// kind of authentication they attempt.
func (s *Simulator) account(params Params) (*Account, string) {
	if token, ok := params.Lookup("ai_sitecom_token"); ok {
		for i, a := range s.cfg.Accounts {
			if a.CommKey != "" && same(token, DeriveToken(a.CommKey, a.LoginID)) ||
				slices.ContainsFunc(a.Tokens, func(t string) bool { return same(token, t) }) {
				return &s.cfg.Accounts[i], "token"
			}
		}
		return nil, "token"
	}
	id, ok := params.Lookup("ai_login_id")
	if !ok {
		return nil, "none"
	}
	password := params.Get("ai_login_password")
	for i, a := range s.cfg.Accounts {
		if a.LoginID == id && same(password, a.Password) {
			return &s.cfg.Accounts[i], "plain"
		}
	}
	return nil, "plain"
}

// same compares secrets in constant time.
func same(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (s *Simulator) record(rc ReceivedCommand, httpStatus int, ans simAnswer) {
	rc.HTTPStatus, rc.Status, rc.Messages = httpStatus, ans.Status, ans.Messages
	who := rc.LoginID
	if who == "" {
		who = "unknown account"
	}
	s.logf("command %q from %s (%s auth): HTTP %d, status %d", rc.Command, who, rc.Auth,
		httpStatus, ans.Status)

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.commands) >= maxLog {
		s.commands = slices.Delete(s.commands, 0, maxLog/10)
	}
	s.commands = append(s.commands, rc)
}

func (s *Simulator) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// signal wakes Run without blocking.
func (s *Simulator) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
