package carcity

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		want     Request
		errMatch string // a part of the expected error, "" for success
	}{
		// The conformance cases.
		{name: "authenticate with key", body: `{"request":"authenticate","key":"0123456789abcdefg"}`,
			want: Request{Request: "authenticate", Key: "0123456789abcdefg", HasKey: true}},
		{name: "authenticate without key", body: `{"request":"authenticate"}`,
			want: Request{Request: "authenticate"}},
		{name: "the example delivery",
			body: `{"request":"delivery","messages":[{"type":"generic","data":"Hello World"},` +
				`{"type":"new_user","data":{"first_name":"John","last_name":"Doe"}}]}`,
			want: Request{Request: "delivery", HasMessages: true, Messages: []Message{
				{Type: "generic", Data: json.RawMessage(`"Hello World"`)},
				{Type: "new_user", Data: json.RawMessage(`{"first_name":"John","last_name":"Doe"}`)},
			}}},
		{name: "delivery without messages", body: `{"request":"delivery"}`,
			want: Request{Request: "delivery"}},
		{name: "delivery with an empty list", body: `{"request":"delivery","messages":[]}`,
			want: Request{Request: "delivery", HasMessages: true, Messages: []Message{}}},
		{name: "data of any JSON kind",
			body: `{"request":"delivery","messages":[{"type":"count","data":42},` +
				`{"type":"flags","data":[true, null]},{"type":"note","data":null}]}`,
			want: Request{Request: "delivery", HasMessages: true, Messages: []Message{
				{Type: "count", Data: json.RawMessage(`42`)},
				{Type: "flags", Data: json.RawMessage(`[true, null]`)},
				{Type: "note", Data: json.RawMessage(`null`)},
			}}},
		{name: "invalid JSON", body: `{"request":"delivery",`, errMatch: "not valid JSON"},
		{name: "empty body", body: "", errMatch: "empty"},
		{name: "no request field", body: `{"messages":[]}`, errMatch: `"request" is missing`},
		{name: "unknown request", body: `{"request":"ping"}`, errMatch: `"ping" is unknown`},
		{name: "messages not a list", body: `{"request":"delivery","messages":{"type":"generic"}}`,
			errMatch: "not an array"},

		// Further shapes.
		{name: "not an object", body: `["request"]`, errMatch: "not a JSON object"},
		{name: "request not a string", body: `{"request":1}`, errMatch: "not a string"},
		{name: "request null", body: `{"request":null}`, errMatch: "not a string"},
		{name: "key not a string", body: `{"request":"authenticate","key":5}`,
			errMatch: `"key" is not a string`},
		{name: "message not an object", body: `{"request":"delivery","messages":[{"type":"a"},"x"]}`,
			errMatch: "message 1 is not an object"},
		{name: "message without type", body: `{"request":"delivery","messages":[{"data":1}]}`,
			errMatch: `message 0 has no "type"`},
		{name: "type not a string",
			body:     `{"request":"delivery","messages":[{"type":"a"},{"type":"b"},{"type":3}]}`,
			errMatch: `message 2 has a "type" that is not a string`},
		{name: "message without data", body: `{"request":"delivery","messages":[{"type":"x"}]}`,
			want: Request{Request: "delivery", HasMessages: true,
				Messages: []Message{{Type: "x", Data: json.RawMessage("null")}}}},
		{name: "messages null", body: `{"request":"delivery","messages":null}`,
			want: Request{Request: "delivery"}},
		{name: "surrounding whitespace", body: " {\"request\":\"delivery\"}\n",
			want: Request{Request: "delivery"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeRequest([]byte(tt.body))
			if tt.errMatch != "" {
				var re *RequestError
				if !errors.As(err, &re) {
					t.Fatalf("got error %v (%T), want a *RequestError", err, err)
				}
				if !strings.Contains(re.Msg, tt.errMatch) {
					t.Errorf("got %q, want it to contain %q", re.Msg, tt.errMatch)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAuthenticateAnswer(t *testing.T) {
	const id, password = "apiuser", "APIuser123"
	withKey := Request{Request: "authenticate", Key: "0123456789abcdefg", HasKey: true}
	noKey := Request{Request: "authenticate"}
	tests := []struct {
		name        string
		mode        AuthMode
		allowPlain  bool
		req         Request
		want        string
		wantPassive bool
	}{
		{"authenticate with key", AuthImmediate, false, withKey,
			`{"ai_login_id":"apiuser","ai_login_password":"8f3a4830f39f4ae665d3050123aa59bc"}`, false},
		{"authenticate without key, plain not allowed", AuthImmediate, false, noKey,
			`{"status":"OK"}`, true},
		{"authenticate without key, plain allowed", AuthImmediate, true, noKey,
			`{"ai_login_id":"apiuser","ai_login_password":"APIuser123"}`, false},
		{"passive mode", AuthPassive, false, withKey, `{"status":"OK"}`, true},
		{"passive mode, plain allowed", AuthPassive, true, noKey, `{"status":"OK"}`, true},
		{"empty mode is immediate", "", false, withKey,
			`{"ai_login_id":"apiuser","ai_login_password":"8f3a4830f39f4ae665d3050123aa59bc"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, passive := AuthenticateAnswer(tt.mode, tt.allowPlain, id, password, tt.req)
			if string(body) != tt.want {
				t.Errorf("got %s, want %s", body, tt.want)
			}
			if passive != tt.wantPassive {
				t.Errorf("got passive %v, want %v", passive, tt.wantPassive)
			}
		})
	}
}

func TestStatusAnswers(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"OK", OKAnswer(), `{"status":"OK"}`},
		{"error", ErrorAnswer("message 2 is not an object"),
			`{"status":"ERROR","status_message":"message 2 is not an object"}`},
		{"error with quotes", ErrorAnswer(`bad "x"`), `{"status":"ERROR","status_message":"bad \"x\""}`},
		{"empty error", ErrorAnswer(""), `{"status":"ERROR","status_message":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.got) != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}
