package views

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func testPage(title string) Page {
	return Page{
		Title:      title,
		TenantSlug: "demo",
		TenantName: "Demo Motors",
		UserEmail:  "admin@demo.test",
		Role:       "admin",
		Nav: []NavLink{
			{Label: "Notifications", URL: "/t/demo/notifications", Active: title == "Notifications"},
			{Label: "Commands", URL: "/t/demo/commands", Active: title == "Commands"},
			{Label: "Settings", URL: "/t/demo/settings", Active: title == "Settings"},
			{Label: "Audit", URL: "/t/demo/audit", Active: title == "Audit"},
		},
		Tenants: []NavLink{{Label: "Second Lot", URL: "/t/second/"}},
	}
}

func testResult() CommandResult {
	return CommandResult{
		AttemptID:     7,
		AttemptURL:    "/t/demo/commands/7",
		Command:       "create_lead",
		SentAt:        "2025-12-03 11:40:02",
		User:          "admin@demo.test",
		AuthKind:      "plain",
		Params:        []ParamRow{{"first_name", "John"}, {"phone", "+1 555 0100"}},
		OK:            true,
		Outcome:       "answered",
		Status:        "0",
		StatusMeaning: "Success",
		Messages:      []string{"Lead Creation Successful", "Second <message>"},
		Fields: []FieldGroup{
			{Name: "lead_id", Values: []string{"4711"}},
			{Name: "warning", Values: []string{"zip trimmed", "phone kept"}, Indexed: true},
		},
		Raw:        "status=0&status_message=Lead+Creation+Successful&lead_id=4711",
		HTTPStatus: 200,
		Duration:   "84 ms",
		ResendURL:  "/t/demo/commands?from=7",
	}
}

func testSettings() SettingsProps {
	return SettingsProps{
		Page:            testPage("Settings"),
		CanEdit:         true,
		ServiceURL:      "https://platform.example/service",
		LoginID:         "apiuser",
		HasPassword:     true,
		HasCommKey:      true,
		HasStaticToken:  false,
		AuthMode:        "passive",
		AllowPlain:      true,
		CommandAuth:     "derived_token",
		CommandTimeout:  "30",
		NotificationURL: "https://citylink.example/hooks/abc123",
		Errors:          map[string]string{"service_url": "Use an https address."},
		TestURL:         "/t/demo/settings/test",
		Test: &ConnectionTest{OK: true, Message: "The service URL and the credentials work.",
			AttemptURL: "/t/demo/commands/8"},
		FollowUp: &FollowUp{State: "retrying", Label: "Retrying", Attempts: 2,
			LastError: "the platform answered HTTP 500", NextTry: "2025-12-03 11:42:00",
			UpdatedAt: "2025-12-03 11:41:40"},
	}
}

// goldenCases are the pages whose rendering is kept in testdata.
var goldenCases = []struct {
	name string
	c    templ.Component
}{
	{"login", LoginPage(LoginProps{
		Email:      "admin@demo.test",
		Error:      "Wrong email or password.",
		RetryAfter: "Try again in 12 minutes.",
	})},
	{"tenant_picker", TenantPickerPage(TenantPickerProps{
		UserEmail: "admin@demo.test",
		Tenants:   []NavLink{{Label: "Demo Motors", URL: "/t/demo/"}},
	})},
	{"error", ErrorPage(ErrorProps{
		Status: 404, Title: "Not found", Message: "There is no such page.",
	})},
	{"notifications", NotificationsPage(NotificationsProps{
		Page:   withFlash(testPage("Notifications"), "Marked as read."),
		Filter: NotificationFilter{Type: "new_user", Query: "Doe", From: "2025-12-01", Unread: true},
		Types:  []string{"generic", "new_user", "simple"},
		Items: []NotificationRow{
			{
				ID: 2, URL: "/t/demo/notifications/2", Type: "new_user",
				ReceivedAt: "2025-12-03 11:30:01", Summary: "John Doe",
			},
			{
				ID: 1, URL: "/t/demo/notifications/1", Type: "generic",
				ReceivedAt: "2025-12-03 11:30:00", Summary: "Hello World", Repeat: true, Read: true,
				ReadBy: "Read by admin@demo.test at 2025-12-03 11:31:00",
			},
			{
				ID: 0, URL: "/t/demo/notifications/0", Type: "complex",
				ReceivedAt: "2025-12-03 11:29:00", Summary: `{"a":[1]}`,
				Message: Message{Tree: &JSONNode{Kind: "object", JSON: `{"a":[1]}`,
					Children: []JSONNode{{Key: "a", Kind: "array", JSON: "[1]",
						Children: []JSONNode{{Key: "[0]", Kind: "number", Value: "1"}}}}}},
			},
		},
		NextURL:   "/t/demo/notifications?before=1&type=new_user",
		StreamURL: "/t/demo/notifications/stream?after=2&type=new_user",
		ReadURL:   "/t/demo/notifications/read",
		BackURL:   "/t/demo/notifications?type=new_user",
		ExportURL: "/t/demo/notifications/export?type=new_user",
	})},
	{"notification", NotificationPage(NotificationProps{
		Page:       testPage("Notification 2"),
		ID:         2,
		Type:       "new_user",
		ReceivedAt: "2025-12-03 11:30:01",
		Message: Message{
			Person: &Person{FirstName: "John", LastName: "Doe", Email: "john@example.com"},
			Tree: &JSONNode{Kind: "object", JSON: `{"first_name":"John","last_name":"Doe"}`,
				Children: []JSONNode{
					{Key: "first_name", Kind: "string", Value: `"John"`},
					{Key: "last_name", Kind: "string", Value: `"Doe"`},
				}},
		},
		DataJSON:    "{\n  \"first_name\": \"John\",\n  \"last_name\": \"Doe\"\n}",
		ReadURL:     "/t/demo/notifications/read",
		RepeatOfURL: "/t/demo/notifications/1",
		RequestURL:  "/t/demo/requests/5",
	})},
	{"dashboard", DashboardPage(DashboardProps{
		Page:         testPage("Dashboard"),
		Today:        3,
		LastDelivery: "2025-12-03 11:30:01 UTC",
		Handshake: &Handshake{At: "2025-12-03 11:00:00 UTC", Outcome: "accepted", OK: true,
			URL: "/t/demo/requests/4"},
		Chart: Chart{
			Title:  "Notifications per day and type",
			Series: []ChartSeries{{"generic", "#0b5cad", 3}, {"new_user", "#e66100", 1}},
			Days: []ChartDay{
				{Label: "Dec 2", Counts: []int{1, 0}, Total: 1},
				{Label: "Dec 3", Counts: []int{2, 1}, Total: 3},
			},
			Max: 3,
		},
		NotificationURL:  "http://127.0.0.1:8080/hooks/TOKEN",
		NotificationsURL: "/t/demo/notifications",
		RequestsURL:      "/t/demo/requests",
	})},
	{"requests", RequestsPage(RequestsProps{
		Page:     testPage("Requests"),
		Outcome:  "rejected",
		Outcomes: []string{"accepted", "rejected", "error"},
		Rows: []RequestRow{{ID: 9, URL: "/t/demo/requests/9", ReceivedAt: "2025-12-03 11:30:01",
			RemoteAddr: "127.0.0.1", Kind: "delivery", Outcome: "rejected", AnswerStatus: 400,
			Answer: `{"status":"ERROR"}`}},
		NextURL: "/t/demo/requests?before=9&outcome=rejected",
	})},
	{"hook_request", HookRequestPage(HookRequestProps{
		Page:         testPage("Request 5"),
		ID:           5,
		ReceivedAt:   "2025-12-03 11:30:01",
		RemoteAddr:   "127.0.0.1:51234",
		Method:       "POST",
		Kind:         "delivery",
		Outcome:      "accepted",
		Headers:      []HeaderLine{{"Content-Type", "application/json"}},
		Body:         `{"request":"delivery","messages":[]}`,
		AnswerStatus: 200,
		AnswerBody:   `{"status":"OK"}`,
	})},
	{"commands", CommandsPage(CommandsProps{
		Page:    testPage("Commands"),
		CanSend: true,
		Form: CommandForm{Command: "create_lead", Summary: "Create a lead.", Groups: []FormGroup{{
			Title: "Person", Open: true, Fields: []FormField{
				{Name: "first_name", Label: "First name", Kind: "text", Value: "John"},
				{Name: "ok_to_text", Label: "OK to text", Kind: "select", Options: []string{"", "Y", "N"}},
				{Name: "zip", Label: "Zip code", Kind: "text", Warning: "A leading zero is lost."},
			}}, {Title: "More", Fields: []FormField{{Name: "notes", Label: "Notes", Kind: "textarea"}}}},
			Extra: []ParamRow{{"website", "https://example.test/"}}},
		Choices: []CommandChoice{{Name: "create_lead", URL: "/t/demo/commands?command=create_lead",
			HasForm: true, Active: true},
			{Name: "remove_volume", URL: "/t/demo/commands?command=remove_volume"}},
		CommandNames: []string{"create_lead", "validate_user"},
		Warnings:     []string{"The zip code 02134 starts with 0."},
		Result:       ptr(testResult()),
		Templates: []TemplateRow{{ID: 3, Name: "Walk-in lead", Command: "create_lead",
			LoadURL: "/t/demo/commands?template=3", DeleteURL: "/t/demo/commands/templates/3/delete"}},
		TemplateURL: "/t/demo/commands/templates",
		Filter:      CommandFilter{Command: "create_lead", Outcome: "ok"},
		Outcomes:    []Option{{"ok", "Success"}, {"timeout", "The platform did not answer in time"}},
		Users:       []Option{{"1", "admin@demo.test"}, {"system", "Citylink"}},
		ExportURL:   "/t/demo/commands/export?format=csv&f_command=create_lead",
		History: []CommandRow{{
			ID: 7, URL: "/t/demo/commands/7", Command: "create_lead", SentAt: "2025-12-03 11:40:02",
			User: "admin@demo.test", AuthKind: "derived token", Source: "console", OK: true,
			Outcome: "answered", Status: "0", Duration: "84 ms",
		}},
		NextURL: "/t/demo/commands?before=7",
	})},
	{"command_attempt", CommandAttemptPage(CommandAttemptProps{
		Page: testPage("Command 7"), Result: testResult(),
	})},
	{"command_batch", CommandAttemptPage(CommandAttemptProps{
		Page: testPage("Command 8"), Result: CommandResult{AttemptID: 8, Command: "batch",
			HTTPStatus: 200, OK: true, Outcome: "Success", JSON: "[]", Raw: "[]",
			Items: []BatchItem{
				{Index: 1, Command: "create_lead", OK: true, Status: "0", StatusMeaning: "Success",
					Messages: []string{"Lead Creation Successful"},
					Fields:   []FieldGroup{{Name: "lead_id", Values: []string{"12"}}}},
				{Index: 2, Command: "validate_user", Status: "2", StatusMeaning: "Error",
					Messages: []string{"username and password are required"}},
				{Index: 3, Error: "error: parameter set 2 is not an object"},
			}},
	})},
	{"settings", SettingsPage(testSettings())},
	{"settings_readonly", SettingsPage(readOnly(testSettings()))},
	{"audit", AuditPage(AuditProps{
		Page: testPage("Audit"),
		Events: []AuditRow{{
			At: "2025-12-03 11:41:00", Actor: "admin@demo.test", Action: "settings.update",
			Target: "tenant demo", Details: "auth_mode: immediate → passive", RemoteAddr: "127.0.0.1",
		}},
	})},
}

func withFlash(p Page, flash string) Page {
	p.Flash = flash
	return p
}

func readOnly(p SettingsProps) SettingsProps {
	p.CanEdit = false
	p.Errors = nil
	return p
}

func ptr[T any](v T) *T { return &v }

func mustRender(tb testing.TB, c templ.Component) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		tb.Fatalf("render: %v", err)
	}
	return buf.String()
}

func mustParse(tb testing.TB, c templ.Component) *html.Node {
	tb.Helper()
	doc, err := html.Parse(strings.NewReader(mustRender(tb, c)))
	if err != nil {
		tb.Fatalf("parse: %v", err)
	}
	return doc
}

func TestPages_Golden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) { checkGolden(t, tc.name, tc.c) })
	}
}

// checkGolden compares the rendering of c with testdata/name.html, or
// rewrites that file under -update.
func checkGolden(t *testing.T, name string, c templ.Component) {
	t.Helper()
	got := mustRender(t, c)
	path := filepath.Join("testdata", name+".html")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./views -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendering; run go test ./views -update and review the diff", path)
	}
}

func TestSettingsPage_Secrets(t *testing.T) {
	t.Run("PropsCarryNoSecret", func(t *testing.T) {
		// Only flags may say a secret exists; a string field named after one
		// would be a way to send it back to the browser.
		typ := reflect.TypeFor[SettingsProps]()
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := strings.ToLower(f.Name)
			secret := strings.Contains(name, "password") || strings.Contains(name, "key") ||
				strings.Contains(name, "token")
			if secret && f.Type.Kind() != reflect.Bool {
				t.Errorf("SettingsProps.%s is a %v, want only bool flags for secrets", f.Name, f.Type)
			}
		}
	})

	t.Run("InputsEmpty", func(t *testing.T) {
		doc := mustParse(t, SettingsPage(testSettings()))
		for _, name := range []string{"password", "comm_key", "static_token"} {
			in := findOne(t, doc, "name", name)
			if got := attr(in, "type"); got != "password" {
				t.Errorf("%s: got type %q, want password", name, got)
			}
			if got := attr(in, "value"); got != "" {
				t.Errorf("%s: got value %q, want empty", name, got)
			}
		}
		want := "saved — leave empty to keep"
		if got := attr(findOne(t, doc, "name", "password"), "placeholder"); got != want {
			t.Errorf("password: got placeholder %q, want %q", got, want)
		}
		if got := attr(findOne(t, doc, "name", "static_token"), "placeholder"); got != "not set" {
			t.Errorf("static_token: got placeholder %q, want not set", got)
		}
	})

	t.Run("ReadOnly", func(t *testing.T) {
		doc := mustParse(t, SettingsPage(readOnly(testSettings())))
		if n := findAll(doc, "data-testid", "settings-form"); len(n) != 0 {
			t.Errorf("got %d settings forms, want none without CanEdit", len(n))
		}
		if n := findAll(doc, "data-testid", "rotate-hook"); len(n) != 0 {
			t.Errorf("got %d rotate buttons, want none without CanEdit", len(n))
		}
	})
}

func TestSettingsPage_Choices(t *testing.T) {
	doc := mustParse(t, SettingsPage(testSettings()))
	for _, in := range findAll(doc, "name", "auth_mode") {
		_, checked := attrOK(in, "checked")
		if want := attr(in, "value") == "passive"; checked != want {
			t.Errorf("auth_mode %s: got checked %v, want %v", attr(in, "value"), checked, want)
		}
	}
	if got := attr(findOne(t, doc, "id", "error-service_url"), "class"); got != "field-error" {
		t.Errorf("got error class %q, want field-error", got)
	}
	if got := attr(findOne(t, doc, "name", "service_url"), "aria-invalid"); got != "true" {
		t.Errorf("service_url: got aria-invalid %q, want true", got)
	}
}

func TestCommandsPage_Rows(t *testing.T) {
	p := CommandsProps{
		Page:    testPage("Commands"),
		CanSend: true,
		Form:    CommandForm{Extra: []ParamRow{{"first_name", "John"}, {"zip", "01234"}}},
	}
	doc := mustParse(t, CommandsPage(p))
	params := findAll(doc, "name", "param")
	values := findAll(doc, "name", "value")
	if want := len(p.Form.Extra) + emptyParamRows; len(params) != want || len(values) != want {
		t.Fatalf("got %d param and %d value inputs, want %d each", len(params), len(values), want)
	}
	for i, r := range p.Form.Extra {
		if attr(params[i], "value") != r.Name || attr(values[i], "value") != r.Value {
			t.Errorf("row %d: got %q=%q, want %q=%q",
				i, attr(params[i], "value"), attr(values[i], "value"), r.Name, r.Value)
		}
	}
	form := findOne(t, doc, "data-testid", "command-form")
	if got := attr(form, "action"); got != "/t/demo/commands" {
		t.Errorf("got action %q, want /t/demo/commands", got)
	}

	p.CanSend = false
	if n := findAll(mustParse(t, CommandsPage(p)), "data-testid", "command-form"); len(n) != 0 {
		t.Errorf("got %d command forms, want none without CanSend", len(n))
	}
}

// A catalogue form posts each known field as a hidden param followed by
// its value, so the server pairs them like free-form rows.
func TestCommandsPage_CatalogueFieldsPair(t *testing.T) {
	p := CommandsProps{Page: testPage("Commands"), CanSend: true, Form: CommandForm{
		Command: "create_lead",
		Groups: []FormGroup{{Title: "Person", Open: true, Fields: []FormField{
			{Name: "first_name", Label: "First name", Kind: "text", Value: "Jane"},
			{Name: "ok_to_text", Label: "OK to text", Kind: "select", Options: []string{"", "Y"},
				Value: "Y"},
			{Name: "notes", Label: "Notes", Kind: "textarea", Value: "{}"},
		}}},
	}}
	doc := mustParse(t, CommandsPage(p))
	params := findAll(doc, "name", "param")
	values := findAll(doc, "name", "value")
	if want := 3 + emptyParamRows; len(params) != want || len(values) != want {
		t.Fatalf("got %d params and %d values, want %d each", len(params), len(values), want)
	}
	for i, want := range []string{"first_name", "ok_to_text", "notes"} {
		if got := attr(params[i], "value"); got != want {
			t.Errorf("param %d: got %q, want %q", i, got, want)
		}
	}
	if got := attr(findOne(t, doc, "name", "command"), "type"); got != "hidden" {
		t.Errorf("command input: got type %q, want hidden", got)
	}
}

func TestCommandResultView(t *testing.T) {
	doc := mustParse(t, CommandResultView(testResult()))
	if got := text(findOne(t, doc, "data-testid", "result-status")); got != "0" {
		t.Errorf("got status %q, want 0", got)
	}
	var got []string
	for _, m := range findAll(doc, "data-testid", "result-message") {
		got = append(got, text(m))
	}
	if want := testResult().Messages; !reflect.DeepEqual(got, want) {
		t.Errorf("got messages %q, want %q", got, want)
	}
	if n := len(findAll(doc, "data-testid", "result-field")); n != 2 {
		t.Errorf("got %d fields, want 2", n)
	}
}

func TestNotificationsPage_Stream(t *testing.T) {
	p := NotificationsProps{Page: testPage("Notifications")}
	doc := mustParse(t, NotificationsPage(p))
	if n := findAll(doc, "sse-connect", ""); len(n) != 0 {
		t.Errorf("got %d sse-connect elements, want none without StreamURL", len(n))
	}

	p.StreamURL = "/t/demo/notifications/stream"
	doc = mustParse(t, NotificationsPage(p))
	tbody := findOne(t, doc, "id", "notification-rows")
	if attr(tbody, "sse-swap") != "notification" || attr(tbody, "hx-swap") != "afterbegin" {
		t.Errorf("got sse-swap %q hx-swap %q, want notification afterbegin",
			attr(tbody, "sse-swap"), attr(tbody, "hx-swap"))
	}
	if got := attr(tbody.Parent, "sse-connect"); got != p.StreamURL {
		t.Errorf("got sse-connect %q on the table, want %q", got, p.StreamURL)
	}
	findOne(t, doc, "data-testid", "new-count")
}

// findAll returns the elements whose attribute key equals val, or that have
// the attribute at all when val is empty.
func findAll(n *html.Node, key, val string) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if v, ok := attrOK(d, key); d.Type == html.ElementNode && ok && (val == "" || v == val) {
			out = append(out, d)
		}
	}
	return out
}

func findOne(tb testing.TB, n *html.Node, key, val string) *html.Node {
	tb.Helper()
	found := findAll(n, key, val)
	if len(found) != 1 {
		tb.Fatalf("got %d elements with %s=%q, want 1", len(found), key, val)
	}
	return found[0]
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}
