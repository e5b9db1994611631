package carcity

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// simAnswer is the simulator's answer to one command, before encoding.
type simAnswer struct {
	Status   int
	Messages []string
	Tuple    bool // status_message[n] even for a single message
	Fields   Params
}

// encode writes the answer the way the platform's PHP side does: '+' for
// spaces and raw brackets around tuple indexes.
func (a simAnswer) encode() string {
	var b strings.Builder
	b.WriteString("status=" + strconv.Itoa(a.Status))
	for i, m := range a.Messages {
		if len(a.Messages) == 1 && !a.Tuple {
			b.WriteString("&status_message=" + url.QueryEscape(m))
			continue
		}
		fmt.Fprintf(&b, "&status_message[%d]=%s", i, url.QueryEscape(m))
	}
	if len(a.Fields) > 0 {
		b.WriteString("&" + a.Fields.Encode())
	}
	return b.String()
}

// json returns the answer as one item of a batch answer, keys in the
// order of the URL-encoded form.
func (a simAnswer) json() json.RawMessage {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"status":%d`, a.Status)
	switch {
	case len(a.Messages) == 1 && !a.Tuple:
		b.WriteString(`,"status_message":` + string(mustMarshal(a.Messages[0])))
	case len(a.Messages) > 0:
		b.WriteString(`,"status_message":` + string(mustMarshal(a.Messages)))
	}
	for _, f := range a.Fields {
		fmt.Fprintf(&b, `,%s:%s`, mustMarshal(f.Name), mustMarshal(f.Value))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writePairs(w http.ResponseWriter, code int, a simAnswer) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	w.Write([]byte(a.encode()))
}

func fail(status int, messages ...string) simAnswer {
	return simAnswer{Status: status, Messages: messages, Tuple: len(messages) > 1}
}

func success(message string, fields ...Param) simAnswer {
	return simAnswer{Messages: []string{message}, Fields: fields}
}

// run dispatches one command for an authenticated account.
func (s *Simulator) run(acct *Account, command string, p Params) simAnswer {
	switch command {
	case "create_lead":
		return s.createLead(acct, p)
	case "authenticate_notifications":
		return s.authenticateNotifications(acct)
	case "validate_user":
		return s.validateUser(p)
	case "user_login_token":
		return s.userLoginToken(p, false)
	case "user_login_token_update":
		return s.userLoginToken(p, true)
	case "send_system_email":
		return sendSystemEmail(p)
	case "":
		return fail(1, "Missing ai_command")
	default:
		return fail(1, "Unknown command")
	}
}

func (s *Simulator) createLead(acct *Account, p Params) simAnswer {
	var problems []string
	first, last, email := p.Get("first_name"), p.Get("last_name"), p.Get("email")
	if email == "" && (first == "" || last == "") {
		if first == "" {
			problems = append(problems, "Missing first_name")
		}
		if last == "" {
			problems = append(problems, "Missing last_name")
		}
		problems = append(problems, "Missing email (required without first_name and last_name)")
	}
	if email != "" && !strings.Contains(email, "@") {
		problems = append(problems, "email is not a valid address")
	}
	if zip := p.Get("zip"); zip != "" && !allDigits(zip) {
		problems = append(problems, "zip must contain digits only")
	}
	if v, ok := p.Lookup("ok_to_text"); ok && v != "Y" && v != "N" {
		problems = append(problems, "ok_to_text must be Y or N")
	}
	if v := p.Get("followup_date"); v != "" {
		if _, err := time.Parse(time.DateTime, v); err != nil {
			problems = append(problems, "followup_date must be YYYY-MM-DD HH:MM:SS")
		}
	}
	if len(problems) > 0 {
		return simAnswer{Status: 2, Messages: problems, Tuple: true}
	}

	lead := Lead{LoginID: acct.LoginID}
	for _, kv := range Redact(p) {
		if !strings.HasPrefix(kv.Name, "ai_") {
			lead.Params = append(lead.Params, kv)
		}
	}
	s.mu.Lock()
	lead.ID = s.nextLeadID
	s.nextLeadID++
	if len(s.leads) >= maxLog {
		s.leads = s.leads[maxLog/10:]
	}
	s.leads = append(s.leads, lead)
	s.mu.Unlock()

	if s.cfg.LeadNotifications && s.isNotified(acct) {
		s.Deliver([]Message{leadMessage(lead)})
	}
	return success("Lead Creation Successful", Param{"lead_id", strconv.Itoa(lead.ID)})
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// isNotified reports whether acct is the account notifications are for.
func (s *Simulator) isNotified(acct *Account) bool {
	return len(s.cfg.Accounts) > 0 && acct.LoginID == s.cfg.Accounts[0].LoginID
}

func (s *Simulator) authenticateNotifications(acct *Account) simAnswer {
	if s.isNotified(acct) {
		s.mu.Lock()
		s.setAuthedLocked()
		s.mu.Unlock()
		s.signal()
	}
	return success("Notifications authenticated")
}

func (s *Simulator) siteUser(p Params) (SiteUser, bool) {
	name, password := p.Get("username"), p.Get("password")
	for _, u := range s.cfg.SiteUsers {
		if u.Username == name && same(password, u.Password) {
			return u, true
		}
	}
	return SiteUser{}, false
}

func (s *Simulator) validateUser(p Params) simAnswer {
	if p.Get("username") == "" || p.Get("password") == "" {
		a := fail(2, "username and password are required")
		a.Fields = Params{{"validation", "error"}}
		return a
	}
	u, ok := s.siteUser(p)
	if !ok {
		return success("User not validated", Param{"validation", "fail"}, Param{"user_id", "0"})
	}
	return success("User validated", Param{"validation", "success"},
		Param{"user_id", strconv.Itoa(u.ID)})
}

// userLoginToken issues a login token for a site user (reissue=1 makes a
// new one) or, for the update command, sets a new expiration on it. The
// expiration parameter is a number of seconds, one hour by default.
func (s *Simulator) userLoginToken(p Params, update bool) simAnswer {
	u, ok := s.siteUser(p)
	if !ok {
		return fail(2, "Invalid username or password")
	}
	ttl := time.Hour
	if v := p.Get("expiration"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fail(2, "expiration must be a positive number of seconds")
		}
		ttl = time.Duration(n) * time.Second
	}

	now := time.Now().UTC()
	s.mu.Lock()
	t, ok := s.userTokens[u.ID]
	if !ok || now.After(t.expires) || (!update && p.Get("reissue") == "1") {
		t = userToken{token: rand.Text(), expires: now.Add(ttl)}
	}
	if update {
		t.expires = now.Add(ttl)
	}
	s.userTokens[u.ID] = t
	s.mu.Unlock()

	if !update {
		return success("Token issued", Param{"ai_token", t.token})
	}
	return success("Token updated", Param{"ai_token", t.token},
		Param{"ai_expiration", t.expires.Format(time.DateTime)})
}

func sendSystemEmail(p Params) simAnswer {
	var problems []string
	_, hasID := p.Lookup("id")
	_, hasTitle := p.Lookup("title")
	if hasID == hasTitle {
		problems = append(problems, "Exactly one of id or title is required")
	}
	if p.Get("to") == "" {
		problems = append(problems, "Missing to")
	}
	if v, ok := p.Lookup("vars"); ok && v != "" && !json.Valid([]byte(v)) {
		problems = append(problems, "vars must be JSON")
	}
	if len(problems) > 0 {
		return fail(2, problems...)
	}
	return success("Email sent")
}

// serveBatch answers the batch command. Its json parameter is an array of
// parameter sets, each a JSON object with its own ai_command; the batch's
// credentials apply to every set, and a set cannot be a batch itself.
// The answer is a JSON array with one item per set, in order: the set's
// answer as an object, or an "error: ..." string for a set that is not an
// object.
func (s *Simulator) serveBatch(w http.ResponseWriter, rc ReceivedCommand, acct *Account, p Params) {
	var sets []json.RawMessage
	if err := json.Unmarshal([]byte(p.Get("json")), &sets); err != nil {
		ans := fail(2, "json must be a JSON array of parameter sets")
		s.record(rc, http.StatusOK, ans)
		writePairs(w, http.StatusOK, ans)
		return
	}

	items := make([]json.RawMessage, len(sets))
	for i, raw := range sets {
		set, ok := decodeParamSet(raw)
		if !ok {
			items[i] = mustMarshal(fmt.Sprintf("error: parameter set %d is not an object", i))
			continue
		}
		sub := ReceivedCommand{At: time.Now(), Command: set.Get("ai_command"), Params: Redact(set),
			Auth: rc.Auth, LoginID: rc.LoginID, InBatch: true}
		ans := fail(1, "A batch cannot contain a batch")
		if sub.Command != "batch" {
			ans = s.run(acct, sub.Command, set)
		}
		s.record(sub, http.StatusOK, ans)
		items[i] = ans.json()
	}

	// The log keeps the size of the batch, not its sets, which are
	// logged one by one above with their secrets redacted.
	for i, kv := range rc.Params {
		if kv.Name == "json" {
			rc.Params[i].Value = fmt.Sprintf("[%d parameter sets]", len(sets))
		}
	}
	s.record(rc, http.StatusOK, success("Batch done"))
	w.Header().Set("Content-Type", "application/json")
	w.Write(mustMarshal(items))
}

// decodeParamSet turns a JSON object into pairs in document order. Strings
// are taken as they are, true and false as 1 and 0, null as empty, and
// any other value as its JSON text.
func decodeParamSet(raw json.RawMessage) (Params, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	p := Params{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, false
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := d.Decode(&value); err != nil {
			return nil, false
		}
		p = append(p, Param{name, paramText(value)})
	}
	return p, true
}

func paramText(v json.RawMessage) string {
	var s string
	switch text := string(bytes.TrimSpace(v)); text {
	case "null":
		return ""
	case "true":
		return "1"
	case "false":
		return "0"
	default:
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		var b bytes.Buffer
		if json.Compact(&b, v) != nil {
			return text
		}
		return b.String()
	}
}
