package carcity

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		name     string
		http     int
		body     string
		status   int
		messages []string
		fields   map[string][]string
		json     string    // the expected JSON value, for JSON answers
		kind     ErrorKind // the expected error kind, "" for none
		noStatus bool      // a non-malformed answer without a status
	}{
		// The conformance cases.
		{name: "plain success", http: 200, body: "status=0&status_message=Success",
			messages: []string{"Success"}, fields: map[string][]string{}},
		{name: "plus as space, extra field", http: 200,
			body:     "status=0&status_message=Lead+Creation+Successful&lead_id=1001",
			messages: []string{"Lead Creation Successful"},
			fields:   map[string][]string{"lead_id": {"1001"}}},
		{name: "tuple in order", http: 200,
			body:   "status=2&status_message[0]=Missing+email&status_message[1]=Missing+phone",
			status: 2, messages: []string{"Missing email", "Missing phone"},
			fields: map[string][]string{}},
		{name: "tuple out of order", http: 200, body: "status_message[1]=b&status=1&status_message[0]=a",
			status: 1, messages: []string{"a", "b"}, fields: map[string][]string{}},
		{name: "tuple with a gap", http: 200, body: "status_message[0]=a&status_message[3]=d&status=1",
			status: 1, messages: []string{"a", "d"}, fields: map[string][]string{}},
		{name: "negative status", http: 200, body: "status=-1&status_message=Denied",
			status: -1, messages: []string{"Denied"}, fields: map[string][]string{}},
		{name: "percent escapes", http: 200, body: "status=0&status_message=100%25+done&note=a%2Bb",
			messages: []string{"100% done"}, fields: map[string][]string{"note": {"a+b"}}},
		{name: "repeated field", http: 200, body: "status=0&status_message=Success&tag=a&tag=b",
			messages: []string{"Success"}, fields: map[string][]string{"tag": {"a", "b"}}},
		{name: "trailing newline", http: 200, body: "status=0&status_message=Success\n",
			messages: []string{"Success"}, fields: map[string][]string{}},
		{name: "status missing", http: 200, body: "status_message=Oops", kind: KindMalformed,
			messages: []string{"Oops"}, fields: map[string][]string{}},
		{name: "status not an integer", http: 200, body: "status=ok&status_message=x",
			kind: KindMalformed, messages: []string{"x"}, fields: map[string][]string{}},
		{name: "empty body", http: 200, body: "", kind: KindMalformed, fields: map[string][]string{}},
		{name: "server error keeps its message", http: 500, body: "status=9&status_message=Internal",
			kind: KindHTTP, status: 9, messages: []string{"Internal"}, fields: map[string][]string{}},
		{name: "batch answers JSON", http: 200,
			body: `[{"status":0,"status_message":"done"},"error: no such item"]`,
			json: `[{"status":0,"status_message":"done"},"error: no such item"]`},

		// Further tolerance cases.
		{name: "raw spaces", http: 200, body: "status=0&status_message=Lead Creation Successful",
			messages: []string{"Lead Creation Successful"}, fields: map[string][]string{}},
		{name: "percent-encoded brackets", http: 200,
			body:   "status=2&status_message%5B1%5D=second&status_message%5B0%5D=first",
			status: 2, messages: []string{"first", "second"}, fields: map[string][]string{}},
		{name: "key without equals", http: 200, body: "status=0&flag&status_message=ok",
			messages: []string{"ok"}, fields: map[string][]string{"flag": {""}}},
		{name: "semicolon in a value", http: 200, body: "status=0&status_message=a;b&list=x;y;z",
			messages: []string{"a;b"}, fields: map[string][]string{"list": {"x;y;z"}}},
		{name: "empty value", http: 200, body: "status=0&status_message=&lead_id=",
			messages: []string{""}, fields: map[string][]string{"lead_id": {""}}},
		{name: "bad escape kept literally", http: 200, body: "status=0&status_message=50%+off%zz%4",
			messages: []string{"50% off%zz%4"}, fields: map[string][]string{}},
		{name: "indexed field kept as given", http: 200, body: "status=0&lead[1]=b&lead[0]=a",
			fields: map[string][]string{"lead[1]": {"b"}, "lead[0]": {"a"}}},
		{name: "status with spaces around", http: 200, body: " status= 3 &status_message=x\r\n",
			status: 3, messages: []string{"x"}, fields: map[string][]string{}},
		{name: "HTTP error without status", http: 502, body: "Bad gateway", kind: KindHTTP,
			noStatus: true, fields: map[string][]string{"Bad gateway": {""}}},
		{name: "JSON object", http: 200, body: ` {"status":"OK","n":12345678901234567890}`,
			json: `{"n":12345678901234567890,"status":"OK"}`},
		{name: "broken JSON", http: 200, body: `[{"status":0`, kind: KindMalformed, json: `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAnswer(tt.http, []byte(tt.body))
			if a == nil {
				t.Fatal("got a nil answer")
			}
			if got := KindOf(err); got != tt.kind {
				t.Fatalf("got error kind %q (%v), want %q", got, err, tt.kind)
			}
			if err != nil && !errors.As(err, new(*Error)) {
				t.Errorf("got error type %T, want *Error", err)
			}
			if string(a.Raw) != tt.body {
				t.Errorf("got raw %q, want %q", a.Raw, tt.body)
			}
			if tt.json != "" {
				checkJSON(t, a, tt.json)
				return
			}
			if a.IsJSON {
				t.Errorf("got IsJSON, want a pairs answer")
			}
			wantStatus := tt.kind != KindMalformed && !tt.noStatus
			if a.HasStatus != wantStatus || a.Status != tt.status {
				t.Errorf("got status %d (has %v), want %d", a.Status, a.HasStatus, tt.status)
			}
			if !reflect.DeepEqual(a.Messages, tt.messages) {
				t.Errorf("got messages %q, want %q", a.Messages, tt.messages)
			}
			if got := a.FieldValues(); !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("got fields %q, want %q", got, tt.fields)
			}
		})
	}
}

func checkJSON(t *testing.T, a *Answer, want string) {
	t.Helper()
	if !a.IsJSON {
		t.Fatalf("got IsJSON false, want true")
	}
	got, err := json.Marshal(a.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got JSON %s, want %s", got, want)
	}
}

func TestAnswer_OK(t *testing.T) {
	tests := []struct {
		name string
		http int
		body string
		want bool
	}{
		{"status 0", 200, "status=0", true},
		{"status 1", 200, "status=1", false},
		{"no status", 200, "status_message=x", false},
		{"status 0 on HTTP 500", 500, "status=0", false},
		{"JSON on 200", 200, "[]", true},
		{"JSON on 500", 500, "[]", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := ParseAnswer(tt.http, []byte(tt.body))
			if got := a.OK(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAnswer_FieldGroups(t *testing.T) {
	a, err := ParseAnswer(200, []byte("status=0&lead_id=7&x[2]=c&tag=a&x[0]=a&tag=b&x[1]=b&x=plain"))
	if err != nil {
		t.Fatal(err)
	}
	want := []FieldGroup{
		{Name: "lead_id", Values: []string{"7"}},
		{Name: "x", Values: []string{"a", "b", "c"}, Indexed: true},
		{Name: "tag", Values: []string{"a", "b"}},
		{Name: "x", Values: []string{"plain"}},
	}
	if got := a.FieldGroups(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParams_Encode(t *testing.T) {
	p := Params{
		{"phone", "+1 555 0100"},
		{"url", "https://example.com/a?b=c&d=e%20f"},
		{"tag", "x"},
		{"tag", "y"},
		{"name", "Zoë & Co; 100%"},
	}
	got := p.Encode()
	want := "phone=%2B1+555+0100&url=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc%26d%3De%2520f" +
		"&tag=x&tag=y&name=Zo%C3%AB+%26+Co%3B+100%25"
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if back := ParseParams(got); !reflect.DeepEqual(back, p) {
		t.Errorf("got %v back, want %v", back, p)
	}
}

func TestRedact(t *testing.T) {
	p := Params{
		{"ai_command", "create_lead"},
		{"ai_login_id", "apiuser"},
		{"AI_Login_Password", "secret"},
		{"ai_sitecom_token", "tok"},
		{"password", "user secret"},
		{"email", "a@example.com"},
	}
	want := Params{
		{"ai_command", "create_lead"},
		{"ai_login_id", "apiuser"},
		{"AI_Login_Password", Redacted},
		{"ai_sitecom_token", Redacted},
		{"password", Redacted},
		{"email", "a@example.com"},
	}
	got := Redact(p)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if p[2].Value != "secret" {
		t.Errorf("got original %q, want it untouched", p[2].Value)
	}
}
