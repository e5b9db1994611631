package carcity

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testLogin    = "apiuser"
	testPassword = "APIuser123"
	testCommKey  = "commkey-123"
)

func testConfig() SimConfig {
	return SimConfig{
		Accounts: []Account{
			{LoginID: testLogin, Password: testPassword, CommKey: testCommKey},
			{LoginID: "dealer42", Password: "s3cret", Tokens: []string{"static-token-42"}},
		},
		SiteUsers: []SiteUser{{ID: 7, Username: "ann", Password: "ann-pw"}},
		RetryBase: 5 * time.Millisecond,
		RetryMax:  20 * time.Millisecond,
	}
}

// mustStartSimulator serves sim's command endpoint and returns its URL.
func mustStartSimulator(tb testing.TB, sim *Simulator) string {
	tb.Helper()
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	return srv.URL + "/service"
}

func TestSimulator_ServeHTTP(t *testing.T) {
	plain := Auth{LoginID: testLogin, Password: testPassword}
	tests := []struct {
		name     string
		auth     Auth
		command  string
		params   Params
		wantRaw  string // the exact answer body, when given
		status   int
		messages []string
		fields   map[string][]string
	}{
		{name: "create_lead", auth: plain, command: "create_lead",
			params:  Params{{"first_name", "Ann"}, {"last_name", "Lee"}, {"zip", "02134"}},
			wantRaw: "status=0&status_message=Lead+Creation+Successful&lead_id=1001",
			status:  0, messages: []string{"Lead Creation Successful"},
			fields: map[string][]string{"lead_id": {"1001"}}},
		{name: "create_lead with email only", auth: plain, command: "create_lead",
			params: Params{{"email", "a@example.com"}}, status: 0,
			messages: []string{"Lead Creation Successful"},
			fields:   map[string][]string{"lead_id": {"1002"}}},
		{name: "create_lead missing names and email", auth: plain, command: "create_lead",
			params: Params{{"first_name", "Ann"}}, status: 2,
			wantRaw: "status=2&status_message[0]=Missing+last_name" +
				"&status_message[1]=Missing+email+%28required+without+first_name+and+last_name%29",
			messages: []string{"Missing last_name",
				"Missing email (required without first_name and last_name)"},
			fields: map[string][]string{}},
		{name: "create_lead bad zip", auth: plain, command: "create_lead",
			params: Params{{"email", "a@example.com"}, {"zip", "AB1 2CD"}}, status: 2,
			messages: []string{"zip must contain digits only"}, fields: map[string][]string{}},
		{name: "derived token", auth: Auth{Token: DeriveToken(testCommKey, testLogin)},
			command: "create_lead", params: Params{{"email", "t@example.com"}}, status: 0,
			messages: []string{"Lead Creation Successful"},
			fields:   map[string][]string{"lead_id": {"1003"}}},
		{name: "static token", auth: Auth{Token: "static-token-42"}, command: "authenticate_notifications",
			status: 0, messages: []string{"Notifications authenticated"}, fields: map[string][]string{}},
		{name: "wrong token", auth: Auth{Token: DeriveToken("other", testLogin)}, command: "create_lead",
			status: -1, messages: []string{"Invalid login credentials"}, fields: map[string][]string{}},
		{name: "wrong password", auth: Auth{LoginID: testLogin, Password: "nope"}, command: "create_lead",
			wantRaw: "status=-1&status_message=Invalid+login+credentials",
			status:  -1, messages: []string{"Invalid login credentials"}, fields: map[string][]string{}},
		{name: "unknown command", auth: plain, command: "remove_volume", status: 1,
			messages: []string{"Unknown command"}, fields: map[string][]string{}},
		{name: "validate_user success", auth: plain, command: "validate_user",
			params: Params{{"username", "ann"}, {"password", "ann-pw"}}, status: 0,
			messages: []string{"User validated"},
			fields:   map[string][]string{"validation": {"success"}, "user_id": {"7"}}},
		{name: "validate_user fail", auth: plain, command: "validate_user",
			params: Params{{"username", "ann"}, {"password", "wrong"}}, status: 0,
			messages: []string{"User not validated"},
			fields:   map[string][]string{"validation": {"fail"}, "user_id": {"0"}}},
		{name: "send_system_email with id and title", auth: plain, command: "send_system_email",
			params: Params{{"id", "3"}, {"title", "Welcome"}, {"to", "a@example.com"}}, status: 2,
			messages: []string{"Exactly one of id or title is required"}, fields: map[string][]string{}},
		{name: "send_system_email", auth: plain, command: "send_system_email",
			params: Params{{"title", "Welcome"}, {"to", "a@example.com"}, {"vars", `{"name":"Ann"}`}},
			status: 0, messages: []string{"Email sent"}, fields: map[string][]string{}},
	}
	sim := NewSimulator(testConfig())
	url := mustStartSimulator(t, sim)
	var c Client
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := c.Command(context.Background(), url, tt.auth, tt.command, tt.params)
			if a == nil {
				t.Fatalf("got no answer (%v)", err)
			}
			if tt.wantRaw != "" && string(a.Raw) != tt.wantRaw {
				t.Errorf("got %v, want %v", string(a.Raw), tt.wantRaw)
			}
			if a.Status != tt.status || (tt.status != 0) != (KindOf(err) == KindStatus) {
				t.Errorf("got status %d (%v), want %d", a.Status, err, tt.status)
			}
			if !reflect.DeepEqual(a.Messages, tt.messages) {
				t.Errorf("got messages %q, want %q", a.Messages, tt.messages)
			}
			if got := a.FieldValues(); !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("got fields %v, want %v", got, tt.fields)
			}
		})
	}

	if got := len(sim.Leads()); got != 3 {
		t.Errorf("got %d leads, want 3", got)
	}
	for _, rc := range sim.Commands() {
		for _, p := range rc.Params {
			if strings.Contains(p.Value, testPassword) || strings.Contains(p.Value, "ann-pw") {
				t.Errorf("got a secret in the log of %q: %v", rc.Command, p)
			}
		}
	}
}

func TestSimulator_UserLoginToken(t *testing.T) {
	sim := NewSimulator(testConfig())
	url := mustStartSimulator(t, sim)
	var c Client
	auth := Auth{LoginID: testLogin, Password: testPassword}
	user := Params{{"username", "ann"}, {"password", "ann-pw"}}

	first, err := c.Command(context.Background(), url, auth, "user_login_token", user)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Command(context.Background(), url, auth, "user_login_token", user)
	if err != nil {
		t.Fatal(err)
	}
	token := first.Fields.Get("ai_token")
	if token == "" || again.Fields.Get("ai_token") != token {
		t.Errorf("got tokens %q and %q, want the same non-empty token", token,
			again.Fields.Get("ai_token"))
	}

	reissued, err := c.Command(context.Background(), url, auth, "user_login_token",
		append(user, Param{"reissue", "1"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := reissued.Fields.Get("ai_token"); got == token || got == "" {
		t.Errorf("got %q after reissue, want a new token", got)
	}

	updated, err := c.Command(context.Background(), url, auth, "user_login_token_update",
		append(user, Param{"expiration", "7200"}))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := time.Parse(time.DateTime, updated.Fields.Get("ai_expiration"))
	if err != nil {
		t.Fatalf("got ai_expiration %q: %v", updated.Fields.Get("ai_expiration"), err)
	}
	if d := time.Until(exp); d < 7100*time.Second || d > 7300*time.Second {
		t.Errorf("got expiration in %v, want about 2h", d)
	}

	_, err = c.Command(context.Background(), url, auth, "user_login_token",
		Params{{"username", "ann"}, {"password", "bad"}})
	if got := KindOf(err); got != KindStatus {
		t.Errorf("got %q, want %q", got, KindStatus)
	}
}

func TestSimulator_Batch(t *testing.T) {
	sim := NewSimulator(testConfig())
	url := mustStartSimulator(t, sim)
	sets := `[{"ai_command":"create_lead","first_name":"Ann","last_name":"Lee","zip":2134},` +
		`{"ai_command":"create_lead"},"oops",{"ai_command":"batch"},` +
		`{"ai_command":"validate_user","username":"ann","password":"ann-pw"}]`
	var c Client
	a, err := c.Command(context.Background(), url, Auth{LoginID: testLogin, Password: testPassword},
		"batch", Params{{"json", sets}})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"status":0,"status_message":"Lead Creation Successful","lead_id":"1001"},` +
		`{"status":2,"status_message":["Missing first_name","Missing last_name",` +
		`"Missing email (required without first_name and last_name)"]},` +
		`"error: parameter set 2 is not an object",` +
		`{"status":1,"status_message":"A batch cannot contain a batch"},` +
		`{"status":0,"status_message":"User validated","validation":"success","user_id":"7"}]`
	if string(a.Raw) != want {
		t.Errorf("got %s, want %s", a.Raw, want)
	}
	if !a.IsJSON || !a.OK() {
		t.Errorf("got IsJSON %v, OK %v, want both true", a.IsJSON, a.OK())
	}
	if got := sim.Leads()[0].Params.Get("zip"); got != "2134" {
		t.Errorf("got zip %q, want 2134", got)
	}

	log := sim.Commands()
	last := log[len(log)-1]
	if last.Command != "batch" || last.Params.Get("json") != "[5 parameter sets]" {
		t.Errorf("got last log entry %+v, want the batch with its size", last)
	}
	if got := log[3].Params.Get("password"); got != Redacted {
		t.Errorf("got password %q in the batch log, want %q", got, Redacted)
	}
}

func TestSimulator_SetFailCommands(t *testing.T) {
	sim := NewSimulator(testConfig())
	url := mustStartSimulator(t, sim)
	sim.SetFailCommands(2)
	var c Client
	auth := Auth{LoginID: testLogin, Password: testPassword}
	for i, want := range []ErrorKind{KindHTTP, KindHTTP, ""} {
		_, err := c.Command(context.Background(), url, auth, "create_lead", Params{{"email", "a@b.c"}})
		if got := KindOf(err); got != want {
			t.Errorf("command %d: got %q (%v), want %q", i, got, err, want)
		}
	}
	log := sim.Commands()
	var codes []int
	for _, rc := range log {
		codes = append(codes, rc.HTTPStatus)
		if got := rc.Params.Get("ai_login_password"); got != Redacted {
			t.Errorf("got password %q in the log, want %q", got, Redacted)
		}
	}
	if want := []int{500, 500, 200}; !reflect.DeepEqual(codes, want) {
		t.Errorf("got %v, want %v", codes, want)
	}
}

func TestSimulator_ServeHTTP_Method(t *testing.T) {
	url := mustStartSimulator(t, NewSimulator(testConfig()))
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("got %d, want %d", resp.StatusCode, http.StatusMethodNotAllowed)
	}
}

// receiver is a small Citylink stand-in for the notify URL. It answers with
// the package's own notification functions.
type receiver struct {
	mode       AuthMode
	allowPlain bool
	password   string         // answered in the handshake
	passive    func()         // run in the background after a passive answer
	failFirst  int            // deliveries answered with 500 before OK
	mu         sync.Mutex     // guards the fields below
	requests   []Request      // every request decoded
	codes      []int          // the status of every answer
	delivered  chan Request   // each delivery answered OK
	seen       map[string]int // how often each body arrived
}

func newReceiver() *receiver {
	return &receiver{mode: AuthImmediate, password: testPassword,
		delivered: make(chan Request, 16), seen: make(map[string]int)}
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, err := DecodeRequest(body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.seen[string(body)]++
	code, answer := http.StatusOK, OKAnswer()
	switch {
	case err != nil:
		code, answer = http.StatusBadRequest, ErrorAnswer(err.Error())
	case req.Request == RequestAuthenticate:
		var passive bool
		answer, passive = AuthenticateAnswer(rv.mode, rv.allowPlain, testLogin, rv.password, req)
		if passive && rv.passive != nil {
			go rv.passive()
		}
	case rv.failFirst > 0:
		rv.failFirst--
		code, answer = http.StatusServiceUnavailable, ErrorAnswer("storage is down")
	default:
		rv.delivered <- req
	}
	rv.requests = append(rv.requests, req)
	rv.codes = append(rv.codes, code)
	w.WriteHeader(code)
	w.Write(answer)
}

// mustPair starts a simulator whose notify URL is rv, and returns the
// simulator and its command URL.
func mustPair(tb testing.TB, cfg SimConfig, rv *receiver) (*Simulator, string) {
	tb.Helper()
	srv := httptest.NewServer(rv)
	tb.Cleanup(srv.Close)
	cfg.NotifyURL = srv.URL + "/hooks/abc"
	sim := NewSimulator(cfg)
	return sim, mustStartSimulator(tb, sim)
}

// mustRun runs sim until the test ends.
func mustRun(tb testing.TB, sim *Simulator) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			tb.Errorf("got Run error %v, want %v", err, context.Canceled)
		}
	})
}

func testContext(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

func TestSimulator_Authenticate(t *testing.T) {
	tests := []struct {
		name       string
		mode       AuthMode
		allowPlain bool
		password   string
		withKey    bool
		wantMode   string
		wantOK     bool
	}{
		{"immediate with key", AuthImmediate, false, testPassword, true, "immediate", true},
		{"immediate without key, plain", AuthImmediate, true, testPassword, false, "plain", true},
		{"immediate without key, plain refused", AuthImmediate, false, testPassword, false,
			"passive", true},
		{"wrong password with key", AuthImmediate, false, "wrong", true, "immediate", false},
		{"wrong plain password", AuthImmediate, true, "wrong", false, "plain", false},
		{"passive", AuthPassive, false, testPassword, true, "passive", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := newReceiver()
			rv.mode, rv.allowPlain, rv.password = tt.mode, tt.allowPlain, tt.password
			sim, _ := mustPair(t, testConfig(), rv)
			res, err := sim.Authenticate(testContext(t), tt.withKey)
			if err != nil {
				t.Fatal(err)
			}
			if res.Mode != tt.wantMode || res.OK != tt.wantOK {
				t.Errorf("got mode %q ok %v (%s), want %q %v", res.Mode, res.OK, res.Err,
					tt.wantMode, tt.wantOK)
			}
			if got, want := sim.Authenticated(), tt.wantOK && tt.wantMode != "passive"; got != want {
				t.Errorf("got authenticated %v, want %v", got, want)
			}
			rv.mu.Lock()
			defer rv.mu.Unlock()
			if tt.withKey != (len(res.Key) == 16) || rv.requests[0].Key != res.Key {
				t.Errorf("got key %q sent as %q, want 16 characters when keyed", res.Key,
					rv.requests[0].Key)
			}
		})
	}
}

func TestSimulator_Authenticate_Passive(t *testing.T) {
	rv := newReceiver()
	rv.mode = AuthPassive
	sim, url := mustPair(t, testConfig(), rv)
	notified := make(chan error, 1)
	rv.passive = func() {
		var c Client
		_, err := c.Command(context.Background(), url, Auth{LoginID: testLogin, Password: testPassword},
			"authenticate_notifications", nil)
		notified <- err
	}

	ctx := testContext(t)
	res, err := sim.Authenticate(ctx, true)
	if err != nil || res.Mode != "passive" || !res.OK {
		t.Fatalf("got %+v, %v, want an accepted passive answer", res, err)
	}
	if err := sim.WaitAuthenticated(ctx); err != nil {
		t.Fatalf("got %v, want authenticated", err)
	}
	if err := <-notified; err != nil {
		t.Errorf("got %v from authenticate_notifications, want none", err)
	}
	if !sim.Authenticated() {
		t.Errorf("got Authenticated false, want true")
	}
}

func TestSimulator_WaitAuthenticated_Timeout(t *testing.T) {
	rv := newReceiver()
	rv.mode = AuthPassive
	sim, _ := mustPair(t, testConfig(), rv)
	if _, err := sim.Authenticate(testContext(t), true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := sim.WaitAuthenticated(ctx); err != context.DeadlineExceeded {
		t.Errorf("got %v, want %v", err, context.DeadlineExceeded)
	}
}

func TestSimulator_Run(t *testing.T) {
	t.Run("ResendAfterErrors", func(t *testing.T) {
		rv := newReceiver()
		rv.failFirst = 2
		sim, _ := mustPair(t, testConfig(), rv)
		mustRun(t, sim)
		d := sim.Deliver(ExampleDelivery())
		if err := d.Wait(testContext(t)); err != nil {
			t.Fatal(err)
		}
		attempts := d.Attempts()
		var codes []int
		for _, a := range attempts {
			codes = append(codes, a.HTTPStatus)
		}
		if want := []int{503, 503, 200}; !reflect.DeepEqual(codes, want) {
			t.Errorf("got %v, want %v", codes, want)
		}
		if !d.Confirmed() || attempts[0].OK || !attempts[2].OK {
			t.Errorf("got confirmed %v, attempts %+v", d.Confirmed(), attempts)
		}
		if gap := attempts[2].At.Sub(attempts[1].At); gap < 10*time.Millisecond {
			t.Errorf("got %v between re-sends, want at least the second backoff step 10ms", gap)
		}
		body := `{"request":"delivery","messages":[{"type":"generic","data":"Hello World"},` +
			`{"type":"new_user","data":{"first_name":"John","last_name":"Doe"}}]}`
		rv.mu.Lock()
		defer rv.mu.Unlock()
		if got := rv.seen[body]; got != 3 {
			t.Errorf("got the example body %d times, want 3 (bodies: %v)", got, rv.seen)
		}
	})

	t.Run("IgnoreConfirmation", func(t *testing.T) {
		rv := newReceiver()
		rv.failFirst = 5
		cfg := testConfig()
		cfg.IgnoreConfirmation = true
		sim, _ := mustPair(t, cfg, rv)
		mustRun(t, sim)
		d := sim.Deliver(ExampleDelivery())
		if err := d.Wait(testContext(t)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // room for a re-send that must not come
		if got := len(d.Attempts()); got != 1 {
			t.Errorf("got %d attempts, want 1", got)
		}
		if d.Confirmed() {
			t.Errorf("got confirmed, want not confirmed")
		}
	})

	t.Run("MaxAttempts", func(t *testing.T) {
		rv := newReceiver()
		rv.failFirst = 5
		cfg := testConfig()
		cfg.MaxAttempts = 2
		sim, _ := mustPair(t, cfg, rv)
		mustRun(t, sim)
		d := sim.Deliver([]Message{{Type: "simple", Data: json.RawMessage(`"x"`)}})
		if err := d.Wait(testContext(t)); err == nil {
			t.Errorf("got no error, want one after giving up")
		}
		if got := len(d.Attempts()); got != 2 {
			t.Errorf("got %d attempts, want 2", got)
		}
	})

	t.Run("PassiveHandshakeFirst", func(t *testing.T) {
		rv := newReceiver()
		rv.mode = AuthPassive
		sim, url := mustPair(t, testConfig(), rv)
		rv.passive = func() {
			var c Client
			c.Command(context.Background(), url, Auth{Token: DeriveToken(testCommKey, testLogin)},
				"authenticate_notifications", nil)
		}
		mustRun(t, sim)
		d := sim.Deliver(nil)
		if err := d.Wait(testContext(t)); err != nil {
			t.Fatal(err)
		}
		rv.mu.Lock()
		defer rv.mu.Unlock()
		if len(rv.requests) != 2 || rv.requests[0].Request != RequestAuthenticate ||
			rv.requests[1].Request != RequestDelivery || rv.requests[1].HasMessages {
			t.Errorf("got %+v, want an authenticate then a delivery without messages", rv.requests)
		}
	})

	t.Run("HandshakeRetried", func(t *testing.T) {
		rv := newReceiver()
		rv.password = "wrong"
		sim, _ := mustPair(t, testConfig(), rv)
		mustRun(t, sim)
		d := sim.Deliver(ExampleDelivery())
		time.Sleep(60 * time.Millisecond)
		if got := len(d.Attempts()); got != 0 {
			t.Errorf("got %d delivery attempts, want none before a handshake succeeds", got)
		}
		rv.mu.Lock()
		tries := len(rv.requests)
		rv.password = testPassword
		rv.mu.Unlock()
		if tries < 2 {
			t.Errorf("got %d handshakes, want them retried", tries)
		}
		if err := d.Wait(testContext(t)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("LeadNotifications", func(t *testing.T) {
		rv := newReceiver()
		cfg := testConfig()
		cfg.LeadNotifications, cfg.SkipHandshake = true, true
		sim, url := mustPair(t, cfg, rv)
		mustRun(t, sim)
		var c Client
		_, err := c.Command(context.Background(), url, Auth{LoginID: testLogin, Password: testPassword},
			"create_lead", Params{{"first_name", "Ann"}, {"last_name", "Lee"}, {"phone", "+1 555"}})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case req := <-rv.delivered:
			want := `{"lead_id":1001,"first_name":"Ann","last_name":"Lee","phone":"+1 555"}`
			if len(req.Messages) != 1 || req.Messages[0].Type != "new_lead" ||
				string(req.Messages[0].Data) != want {
				t.Errorf("got %+v, want one new_lead with %s", req.Messages, want)
			}
		case <-testContext(t).Done():
			t.Fatal("got no delivery, want a new_lead")
		}
	})
}

func TestSimulator_DeliverNow(t *testing.T) {
	tests := []struct {
		name      string
		failFirst int
		messages  []Message
		wantOK    bool
		wantCode  int
		wantBody  string
	}{
		{"OK", 0, ExampleDelivery(), true, 200, `{"status":"OK"}`},
		{"empty list", 0, []Message{}, true, 200, `{"status":"OK"}`},
		{"refused", 1, ExampleDelivery(), false, 503,
			`{"status":"ERROR","status_message":"storage is down"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := newReceiver()
			rv.failFirst = tt.failFirst
			sim, _ := mustPair(t, testConfig(), rv)
			a, err := sim.DeliverNow(testContext(t), tt.messages)
			if err != nil {
				t.Fatal(err)
			}
			if a.OK != tt.wantOK || a.HTTPStatus != tt.wantCode || string(a.Body) != tt.wantBody {
				t.Errorf("got %v %d %s, want %v %d %s", a.OK, a.HTTPStatus, a.Body,
					tt.wantOK, tt.wantCode, tt.wantBody)
			}
			rv.mu.Lock()
			defer rv.mu.Unlock()
			if got := rv.requests[0]; got.HasMessages != (tt.messages != nil) ||
				len(got.Messages) != len(tt.messages) {
				t.Errorf("got %+v, want %d messages", got, len(tt.messages))
			}
		})
	}

	sim := NewSimulator(testConfig())
	if _, err := sim.DeliverNow(testContext(t), ExampleDelivery()); err == nil {
		t.Errorf("got no error without a notify URL, want one")
	}
}

func TestRandomMessage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	types := make(map[string]bool)
	for range 200 {
		m := RandomMessage(r)
		types[m.Type] = true
		body, err := deliveryBody([]Message{m})
		if err != nil {
			t.Fatal(err)
		}
		req, err := DecodeRequest(body)
		if err != nil {
			t.Fatalf("got %v for %s", err, body)
		}
		if req.Messages[0].Type != m.Type {
			t.Errorf("got %q, want %q", req.Messages[0].Type, m.Type)
		}
	}
	for _, typ := range []string{"new_user", "simple", "generic", "new_lead"} {
		if !types[typ] {
			t.Errorf("got types %v, want %q among them", types, typ)
		}
	}

	again := RandomMessage(rand.New(rand.NewPCG(1, 2)))
	first := RandomMessage(rand.New(rand.NewPCG(1, 2)))
	if !reflect.DeepEqual(again, first) {
		t.Errorf("got %v and %v from one seed, want the same", again, first)
	}
}

func TestExampleDelivery(t *testing.T) {
	body, err := deliveryBody(ExampleDelivery())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"request":"delivery","messages":[{"type":"generic","data":"Hello World"},` +
		`{"type":"new_user","data":{"first_name":"John","last_name":"Doe"}}]}`
	if string(body) != want {
		t.Errorf("got %s, want %s", body, want)
	}
}

func TestSimulator_Authenticate_Body(t *testing.T) {
	tests := []struct {
		name    string
		withKey bool
		want    string
	}{
		{"with key", true, `{"request":"authenticate","key":"KEY"}`},
		{"without key", false, `{"request":"authenticate"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := newReceiver()
			sim, _ := mustPair(t, testConfig(), rv)
			res, err := sim.Authenticate(testContext(t), tt.withKey)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Replace(tt.want, "KEY", res.Key, 1)
			rv.mu.Lock()
			defer rv.mu.Unlock()
			if _, ok := rv.seen[want]; !ok || len(rv.seen) != 1 {
				t.Errorf("got bodies %v, want only %s", rv.seen, want)
			}
		})
	}
}
