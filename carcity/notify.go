package carcity

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The two kinds of notification request the platform sends.
const (
	RequestAuthenticate = "authenticate"
	RequestDelivery     = "delivery"
)

// Request is a decoded notification request from the platform.
type Request struct {
	Request string // RequestAuthenticate or RequestDelivery

	Key    string // the authenticate key, valid when HasKey
	HasKey bool

	// Messages is nil when the request has no messages field (or it is
	// null), and empty but non-nil for "messages":[].
	Messages    []Message
	HasMessages bool
}

// Message is one notification of a delivery. Data is kept verbatim as it
// came; it is "null" when the message has no data.
type Message struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// RequestError says why a notification request was refused. Msg is meant
// for the platform's operators and for the recorded attempt.
type RequestError struct {
	Msg string
}

// Error returns Msg.
func (e *RequestError) Error() string { return e.Msg }

func requestErrorf(format string, args ...any) *RequestError {
	return &RequestError{Msg: fmt.Sprintf(format, args...)}
}

// DecodeRequest decodes and checks a notification body. Anything the
// protocol does not allow is a [*RequestError] saying what is wrong, and
// for a bad message, which one.
//
// A delivery with one bad message is refused whole: the caller records the
// raw request, answers 4xx, and the platform sends it again, so no valid
// neighbour is lost.
func DecodeRequest(body []byte) (Request, error) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return Request{}, requestErrorf("the body is empty")
	case !json.Valid(trimmed):
		return Request{}, requestErrorf("the body is not valid JSON")
	case trimmed[0] != '{':
		return Request{}, requestErrorf("the body is not a JSON object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return Request{}, requestErrorf("the body is not a JSON object")
	}

	var r Request
	raw, ok := fields["request"]
	if !ok {
		return Request{}, requestErrorf(`the field "request" is missing`)
	}
	if json.Unmarshal(raw, &r.Request) != nil || isNull(raw) {
		return Request{}, requestErrorf(`the field "request" is not a string`)
	}
	if r.Request != RequestAuthenticate && r.Request != RequestDelivery {
		return Request{}, requestErrorf(`the request %q is unknown; want "authenticate" or "delivery"`,
			r.Request)
	}
	if raw, ok := fields["key"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &r.Key) != nil {
			return Request{}, requestErrorf(`the field "key" is not a string`)
		}
		r.HasKey = true
	}
	if raw, ok := fields["messages"]; ok && !isNull(raw) {
		msgs, err := decodeMessages(raw)
		if err != nil {
			return Request{}, err
		}
		r.Messages, r.HasMessages = msgs, true
	}
	return r, nil
}

func decodeMessages(raw json.RawMessage) ([]Message, error) {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil, requestErrorf(`the field "messages" is not an array`)
	}
	msgs := make([]Message, 0, len(items))
	for i, item := range items {
		var fields map[string]json.RawMessage
		if json.Unmarshal(item, &fields) != nil || isNull(item) {
			return nil, requestErrorf("message %d is not an object", i)
		}
		var m Message
		typ, ok := fields["type"]
		if !ok {
			return nil, requestErrorf(`message %d has no "type"`, i)
		}
		if json.Unmarshal(typ, &m.Type) != nil || isNull(typ) {
			return nil, requestErrorf(`message %d has a "type" that is not a string`, i)
		}
		m.Data = json.RawMessage("null")
		if data, ok := fields["data"]; ok {
			m.Data = data
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// AuthMode is a tenant's way of answering the authenticate handshake.
type AuthMode string

// The authenticate modes.
const (
	AuthImmediate AuthMode = "immediate" // answer with the credentials
	AuthPassive   AuthMode = "passive"   // answer OK, then send authenticate_notifications
)

type credentialsAnswer struct {
	LoginID  string `json:"ai_login_id"`
	Password string `json:"ai_login_password"`
}

type okAnswer struct {
	Status string `json:"status"`
}

type errorAnswer struct {
	Status  string `json:"status"`
	Message string `json:"status_message"`
}

// AuthenticateAnswer returns the answer body to the authenticate request
// r. In immediate mode (also the meaning of an empty or unknown mode) a
// request with a key gets the login id and [AuthAnswerMD5]; one without a
// key gets the plain password only when allowPlain is set. Every other
// case answers OK with passive true: the caller must then send the
// authenticate_notifications command.
func AuthenticateAnswer(mode AuthMode, allowPlain bool, loginID, password string,
	r Request) (body []byte, passive bool) {
	if mode == AuthPassive || (!r.HasKey && !allowPlain) {
		return OKAnswer(), true
	}
	answer := credentialsAnswer{LoginID: loginID, Password: password}
	if r.HasKey {
		answer.Password = AuthAnswerMD5(loginID, password, r.Key)
	}
	return mustMarshal(answer), false
}

// OKAnswer returns {"status":"OK"}.
func OKAnswer() []byte {
	return mustMarshal(okAnswer{Status: "OK"})
}

// ErrorAnswer returns {"status":"ERROR","status_message":msg}.
func ErrorAnswer(msg string) []byte {
	return mustMarshal(errorAnswer{Status: "ERROR", Message: msg})
}

// mustMarshal encodes values that cannot fail to encode: structs of
// strings and verbatim JSON that was checked on the way in.
func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("carcity: " + err.Error())
	}
	return b
}
