package carcity

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// recorder is a platform stand-in that keeps the last request body and
// answers with a fixed status and body.
type recorder struct {
	code int
	body string
	got  chan string
}

func newRecorder(tb testing.TB, code int, body string) (*recorder, *httptest.Server) {
	tb.Helper()
	rec := &recorder{code: code, body: body, got: make(chan string, 1)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			b = []byte("wrong content type " + ct)
		}
		rec.got <- r.Method + " " + string(b)
		w.WriteHeader(rec.code)
		io.WriteString(w, rec.body)
	}))
	tb.Cleanup(srv.Close)
	return rec, srv
}

func TestClient_Command(t *testing.T) {
	tests := []struct {
		name     string
		code     int
		answer   string
		auth     Auth
		params   Params
		wantBody string
		wantKind ErrorKind
	}{
		{name: "plain credentials", code: 200, answer: "status=0&status_message=Success&lead_id=1001",
			auth:     Auth{LoginID: "apiuser", Password: "p&ss word"},
			params:   Params{{"first_name", "Ann"}},
			wantBody: "ai_command=create_lead&ai_login_id=apiuser&ai_login_password=p%26ss+word&first_name=Ann"},
		{name: "token", code: 200, answer: "status=0",
			auth:     Auth{LoginID: "apiuser", Password: "unused", Token: "A20Z-_x"},
			wantBody: "ai_command=create_lead&ai_sitecom_token=A20Z-_x"},
		{name: "status not 0", code: 200, answer: "status=2&status_message[0]=a&status_message[1]=b",
			auth: Auth{LoginID: "u", Password: "s3cr3t-pw"}, wantKind: KindStatus,
			wantBody: "ai_command=create_lead&ai_login_id=u&ai_login_password=s3cr3t-pw"},
		{name: "HTTP 500 with body", code: 500, answer: "status=9&status_message=Internal",
			auth: Auth{LoginID: "u", Password: "s3cr3t-pw"}, wantKind: KindHTTP,
			wantBody: "ai_command=create_lead&ai_login_id=u&ai_login_password=s3cr3t-pw"},
		{name: "malformed", code: 200, answer: "<html>oops</html>",
			auth: Auth{LoginID: "u", Password: "s3cr3t-pw"}, wantKind: KindMalformed,
			wantBody: "ai_command=create_lead&ai_login_id=u&ai_login_password=s3cr3t-pw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, srv := newRecorder(t, tt.code, tt.answer)
			var c Client
			a, err := c.Command(context.Background(), srv.URL, tt.auth, "create_lead", tt.params)
			if got := KindOf(err); got != tt.wantKind {
				t.Fatalf("got kind %q (%v), want %q", got, err, tt.wantKind)
			}
			if a == nil {
				t.Fatal("got a nil answer, want one")
			}
			if string(a.Raw) != tt.answer || a.HTTPStatus != tt.code {
				t.Errorf("got %d %q, want %d %q", a.HTTPStatus, a.Raw, tt.code, tt.answer)
			}
			if a.Duration <= 0 {
				t.Errorf("got duration %v, want > 0", a.Duration)
			}
			if got, want := <-rec.got, "POST "+tt.wantBody; got != want {
				t.Errorf("got %v, want %v", got, want)
			}
			if err != nil && strings.Contains(err.Error(), tt.auth.Password) {
				t.Errorf("got %q, want no password in the message", err)
			}
		})
	}
}

func TestClient_Command_StatusMessage(t *testing.T) {
	_, srv := newRecorder(t, 200, "status=2&status_message[1]=Missing+phone&status_message[0]=Missing+email")
	var c Client
	_, err := c.Command(context.Background(), srv.URL, Auth{}, "create_lead", nil)
	want := "the platform refused the command with status 2: Missing email; Missing phone"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %v", err, want)
	}
}

// TestClient_Command_Encoding checks what the platform's side decodes,
// with the standard strict parser.
func TestClient_Command_Encoding(t *testing.T) {
	rec, srv := newRecorder(t, 200, "status=0")
	params := Params{
		{"phone", "+1 (555) 0100"},
		{"source", "https://dealer.example/cars?id=7&ref=a%20b"},
		{"tag_append", "one"},
		{"tag_append", "two"},
		{"notes", `{"text":"50% off; really"}`},
		{"address", "Straße 1"},
	}
	var c Client
	if _, err := c.Command(context.Background(), srv.URL, Auth{Token: "t"}, "create_lead", params); err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(<-rec.got, "POST ")
	values, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range params {
		if got := values[p.Name]; !contains(got, p.Value) {
			t.Errorf("got %s=%q, want %q among them", p.Name, got, p.Value)
		}
	}
	if got, want := values["tag_append"], []string{"one", "two"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	var names []string
	for _, p := range ParseParams(body) {
		names = append(names, p.Name)
	}
	want := []string{"ai_command", "ai_sitecom_token", "phone", "source", "tag_append", "tag_append",
		"notes", "address"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("got order %v, want %v", names, want)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestClient_Command_Timeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a closed connection only once the body is read.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()

	c := Client{Timeout: 50 * time.Millisecond}
	start := time.Now()
	a, err := c.Command(context.Background(), srv.URL, Auth{}, "create_lead", nil)
	if got := KindOf(err); got != KindTimeout {
		t.Fatalf("got %q (%v), want %q", got, err, KindTimeout)
	}
	if a != nil {
		t.Errorf("got answer %+v, want nil", a)
	}
	if want := "the platform did not answer within 50ms"; err.Error() != want {
		t.Errorf("got %v, want %v", err, want)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("got %v, want the command to stop near 50ms", elapsed)
	}
}

func TestClient_Command_Refused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	var c Client
	a, err := c.Command(context.Background(), "http://"+addr+"/service", Auth{}, "create_lead", nil)
	if got := KindOf(err); got != KindRefused {
		t.Fatalf("got %q (%v), want %q", got, err, KindRefused)
	}
	if a != nil {
		t.Errorf("got answer %+v, want nil", a)
	}
}

func TestClient_Command_TLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "status=0")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()

	// The default client does not trust the test server's certificate.
	var c Client
	_, err := c.Command(context.Background(), srv.URL, Auth{}, "create_lead", nil)
	if got := KindOf(err); got != KindTLS {
		t.Fatalf("got %q (%v), want %q", got, err, KindTLS)
	}

	trusting := Client{HTTP: srv.Client()}
	if _, err := trusting.Command(context.Background(), srv.URL, Auth{}, "create_lead", nil); err != nil {
		t.Errorf("got %v, want no error", err)
	}
}

func TestClient_Command_BadURL(t *testing.T) {
	var c Client
	_, err := c.Command(context.Background(), "::not a url", Auth{}, "create_lead", nil)
	if got := KindOf(err); got != KindTransport {
		t.Errorf("got %q (%v), want %q", got, err, KindTransport)
	}
}

func TestCommandParams(t *testing.T) {
	got := CommandParams(Auth{LoginID: "id", Password: "pw"}, "validate_user", Params{{"username", "x"}})
	want := Params{{"ai_command", "validate_user"}, {"ai_login_id", "id"},
		{"ai_login_password", "pw"}, {"username", "x"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if k := (Auth{Token: "t"}).Kind(); k != "token" {
		t.Errorf("got %v, want token", k)
	}
	if k := (Auth{LoginID: "id"}).Kind(); k != "plain" {
		t.Errorf("got %v, want plain", k)
	}
}
