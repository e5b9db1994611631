package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"citylink/carcity"
	"citylink/views"
)

// commandSpec is one command of the catalogue: how the console offers it.
// A command without groups is sent with free-form name/value rows.
type commandSpec struct {
	name    string
	summary string
	groups  []fieldGroup
}

// fieldGroup is a set of fields shown together; the first group of a
// command is the common one and is always open.
type fieldGroup struct {
	title  string
	fields []fieldSpec
}

// fieldSpec is one known parameter of a command. kind is the input the
// form shows: text, email, tel, number, select, textarea or password.
type fieldSpec struct {
	name     string
	label    string
	kind     string
	hint     string
	warning  string
	options  []string
	required bool
}

// zipWarning is shown with create_lead's zip: the platform stores it as an
// integer, so a leading zero is lost.
const zipWarning = "The platform stores the zip code as a number: a leading zero is lost " +
	"(02134 arrives as 2134)."

// The site user fields that validate_user and the login token commands
// share.
var (
	siteUsername = fieldSpec{name: "username", label: "Username", kind: "text", required: true}
	sitePassword = fieldSpec{name: "password", label: "Password", kind: "password", required: true,
		hint: "Never stored: type it again to send again."}
)

// catalogue lists every command that PROTOCOL.md names, with the
// parameters known of each, in the order the console offers them. It is
// the one place the console's forms come from; any other command name can
// still be sent with free-form rows.
var catalogue = []commandSpec{
	{name: "create_lead", summary: "Create a lead (a prospective customer) on the platform.",
		groups: []fieldGroup{
			{"Person", []fieldSpec{
				{name: "first_name", label: "First name", kind: "text",
					hint: "With the last name, or give an email."},
				{name: "last_name", label: "Last name", kind: "text"},
				{name: "email", label: "Email", kind: "email"},
				{name: "phone", label: "Phone", kind: "tel", hint: "Sent as typed: +1 555 0100."},
				{name: "cell", label: "Cell phone", kind: "tel"},
				{name: "ok_to_text", label: "OK to text", kind: "select", options: []string{"", "Y", "N"}},
			}},
			{"Address", []fieldSpec{
				{name: "company", label: "Company", kind: "text"},
				{name: "address", label: "Address", kind: "text"},
				{name: "address_2", label: "Address line 2", kind: "text"},
				{name: "city", label: "City", kind: "text"},
				{name: "state", label: "State", kind: "text"},
				{name: "zip", label: "Zip code", kind: "text", hint: "Digits only.", warning: zipWarning},
				{name: "country", label: "Country", kind: "text"},
			}},
			{"Follow-up", []fieldSpec{
				{name: "followup_date", label: "Follow-up date", kind: "text",
					hint: "YYYY-MM-DD HH:MM:SS, such as 2026-12-24 09:30:00."},
				{name: "besttime", label: "Best time to call", kind: "text"},
				{name: "status", label: "Status", kind: "text"},
				{name: "priority", label: "Priority", kind: "text"},
				{name: "custom_status", label: "Custom status", kind: "text"},
				{name: "source", label: "Source", kind: "text"},
				{name: "tag_append", label: "Tags to add", kind: "text", hint: "Comma-separated."},
				{name: "notes", label: "Notes", kind: "textarea", hint: "A JSON string."},
				{name: "admin_notes", label: "Admin notes", kind: "textarea"},
			}},
			{"More", []fieldSpec{
				{name: "fax", label: "Fax", kind: "tel"},
				{name: "skype", label: "Skype", kind: "text"},
				{name: "ip", label: "IP address", kind: "text"},
				{name: "gmt_offset", label: "GMT offset", kind: "text", hint: "Hours, such as -5."},
				{name: "govt_id", label: "Government id", kind: "text"},
			}},
		}},
	{name: "validate_user", summary: "Check a site user's username and password.",
		groups: []fieldGroup{{"User", []fieldSpec{
			siteUsername,
			sitePassword,
		}}}},
	{name: "user_login_token", summary: "Get a login token for a site user.",
		groups: []fieldGroup{{"User", []fieldSpec{
			siteUsername,
			sitePassword,
			{name: "reissue", label: "Reissue", kind: "select", options: []string{"", "0", "1"},
				hint: "1 makes a new token even when one is valid."},
			{name: "expiration", label: "Expiration", kind: "number",
				hint: "How long the token lives, in seconds."},
		}}}},
	{name: "user_login_token_update", summary: "Extend a site user's login token.",
		groups: []fieldGroup{{"User", []fieldSpec{
			siteUsername,
			sitePassword,
			{name: "expiration", label: "Expiration", kind: "number",
				hint: "How long the token lives from now, in seconds."},
		}}}},
	{name: "send_system_email", summary: "Send one of the platform's system emails.",
		groups: []fieldGroup{{"Email", []fieldSpec{
			{name: "id", label: "Email id", kind: "text", hint: "Give the id or the title, not both."},
			{name: "title", label: "Email title", kind: "text"},
			{name: "to", label: "To", kind: "email", required: true},
			{name: "from", label: "From", kind: "email"},
			{name: "subject", label: "Subject", kind: "text"},
			{name: "vars", label: "Variables", kind: "textarea",
				hint: `JSON, such as {"first_name": "Jane"}.`},
			{name: "allow_html", label: "Allow HTML", kind: "select", options: []string{"", "0", "1"}},
		}}}},
	{name: "batch", summary: "Send several parameter sets at once; the answer comes item by item.",
		groups: []fieldGroup{{"Parameter sets", []fieldSpec{
			{name: "json", label: "Parameter sets", kind: "textarea", required: true,
				hint: `A JSON array of objects, each with its own ai_command, such as ` +
					`[{"ai_command": "create_lead", "first_name": "Jane", "last_name": "Roe"}]. ` +
					`Citylink adds the credentials; passwords inside are never kept, so type them ` +
					`again when sending again.`},
		}}}},
	{name: "authenticate_notifications",
		summary: "Confirm a passive notification handshake (Citylink sends it by itself)."},
	{name: "autos_remote_data_sync", summary: "Parameters unknown: add them as rows."},
	{name: "autostrada_sync", summary: "Parameters unknown: add them as rows."},
	{name: "command_center_receive_command", summary: "Parameters unknown: add them as rows."},
	{name: "command_center_sync", summary: "Parameters unknown: add them as rows."},
	{name: "create_customer", summary: "Parameters unknown: add them as rows."},
	{name: "create_hosted_checkout", summary: "Parameters unknown: add them as rows."},
	{name: "remove_volume", summary: "Parameters unknown: add them as rows."},
}

// findSpec returns the catalogue's entry for a command.
func findSpec(command string) (commandSpec, bool) {
	for _, c := range catalogue {
		if c.name == command {
			return c, true
		}
	}
	return commandSpec{}, false
}

// knownField reports whether name is one of the command's form fields.
func (c commandSpec) knownField(name string) bool {
	for _, g := range c.groups {
		for _, f := range g.fields {
			if f.name == name {
				return true
			}
		}
	}
	return false
}

// commandForm builds the console's form for a command, filled from
// params: known fields take the first value of their name, the rest
// become free-form rows. Redacted values come back empty.
func commandForm(command string, params []views.ParamRow) views.CommandForm {
	form := views.CommandForm{Command: command}
	spec, ok := findSpec(command)
	if ok {
		form.Summary = spec.summary
	}
	used := make([]bool, len(params))
	for gi, g := range spec.groups {
		group := views.FormGroup{Title: g.title, Open: gi == 0}
		for _, f := range g.fields {
			field := views.FormField{Name: f.name, Label: f.label, Kind: f.kind, Hint: f.hint,
				Warning: f.warning, Options: f.options, Required: f.required}
			for i, p := range params {
				if !used[i] && p.Name == f.name {
					used[i] = true
					field.Value = unredacted(p.Value)
					break
				}
			}
			if field.Value != "" {
				group.Open = true
			}
			group.Fields = append(group.Fields, field)
		}
		form.Groups = append(form.Groups, group)
	}
	for i, p := range params {
		if !used[i] {
			form.Extra = append(form.Extra, views.ParamRow{Name: p.Name, Value: unredacted(p.Value)})
		}
	}
	return form
}

func unredacted(v string) string {
	if v == carcity.Redacted {
		return ""
	}
	return v
}

// commandChoices is the catalogue as the console's command picker shows it.
func commandChoices(tc *tenantCtx, current string) []views.CommandChoice {
	out := make([]views.CommandChoice, 0, len(catalogue))
	for _, c := range catalogue {
		out = append(out, views.CommandChoice{Name: c.name, URL: tc.path("/commands?command=") + c.name,
			HasForm: len(c.groups) > 0, Active: c.name == current})
	}
	return out
}

func catalogueNames() []string {
	names := make([]string, len(catalogue))
	for i, c := range catalogue {
		names[i] = c.name
	}
	return names
}

// commandWarnings says where the platform will change a value as sent.
func commandWarnings(command string, params carcity.Params) []string {
	var out []string
	if command == "create_lead" {
		if zip := params.Get("zip"); strings.HasPrefix(zip, "0") && len(zip) > 1 {
			out = append(out, fmt.Sprintf("The zip code %s starts with 0: the platform stores it "+
				"as a number, so it keeps %s.", zip, strings.TrimLeft(zip, "0")))
		}
	}
	return out
}

// checkBatch reads the batch command's json parameter: an array of
// objects, each naming its command, none carrying credentials.
func checkBatch(params carcity.Params) string {
	raw, ok := params.Lookup("json")
	if !ok || strings.TrimSpace(raw) == "" {
		return "A batch needs its parameter sets in json."
	}
	sets, err := decodeBatch(raw)
	if err != nil {
		return "The parameter sets must be a JSON array of objects: " + err.Error() + "."
	}
	if len(sets) == 0 {
		return "The batch has no parameter sets."
	}
	for i, set := range sets {
		var hasCommand bool
		for _, kv := range set {
			if reservedParams[strings.ToLower(kv.name)] && kv.name != "ai_command" {
				return fmt.Sprintf("Parameter set %d holds %s, which Citylink fills in from the "+
					"saved credentials; remove it.", i+1, kv.name)
			}
			hasCommand = hasCommand || kv.name == "ai_command"
		}
		if !hasCommand {
			return fmt.Sprintf("Parameter set %d names no ai_command.", i+1)
		}
	}
	return ""
}

// jsonPair is one member of a JSON object, kept in document order.
type jsonPair struct {
	name  string
	value json.RawMessage
}

// decodeBatch decodes an array of objects, keeping each object's members
// in their order.
func decodeBatch(raw string) ([][]jsonPair, error) {
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, fmt.Errorf("not a JSON array")
	}
	sets := make([][]jsonPair, len(items))
	for i, item := range items {
		d := json.NewDecoder(bytes.NewReader(item))
		if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
			return nil, fmt.Errorf("set %d is not an object", i+1)
		}
		for d.More() {
			tok, err := d.Token()
			if err != nil {
				return nil, fmt.Errorf("set %d: %w", i+1, err)
			}
			var v json.RawMessage
			if err := d.Decode(&v); err != nil {
				return nil, fmt.Errorf("set %d: %w", i+1, err)
			}
			sets[i] = append(sets[i], jsonPair{name: tok.(string), value: v})
		}
	}
	return sets, nil
}

// redactCommand returns params as they may be stored: secrets redacted,
// also inside a batch's parameter sets.
func redactCommand(command string, params carcity.Params) carcity.Params {
	out := carcity.Redact(params)
	if command != "batch" {
		return out
	}
	for i, kv := range out {
		if kv.Name != "json" {
			continue
		}
		sets, err := decodeBatch(kv.Value)
		if err != nil {
			continue
		}
		out[i].Value = encodeBatch(sets)
	}
	return out
}

// encodeBatch writes the sets back as JSON with secret values redacted.
func encodeBatch(sets [][]jsonPair) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, set := range sets {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, kv := range set {
			if j > 0 {
				b.WriteByte(',')
			}
			name, _ := json.Marshal(kv.name)
			value := []byte(kv.value)
			if carcity.IsSecretParam(kv.name) {
				value, _ = json.Marshal(carcity.Redacted)
			}
			b.Write(name)
			b.WriteByte(':')
			b.Write(value)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// batchItems reads a batch answer item by item: each item is an object
// with the platform's status, status_message (a string or a list) and
// result fields, or a string saying what went wrong with that set. sent is
// the batch's json parameter, which names each item's command.
func batchItems(body, sent string) []views.BatchItem {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		return nil
	}
	sets, _ := decodeBatch(sent)
	items := make([]views.BatchItem, len(raw))
	for i, r := range raw {
		it := views.BatchItem{Index: i + 1}
		if i < len(sets) {
			for _, kv := range sets[i] {
				if kv.name == "ai_command" {
					_ = json.Unmarshal(kv.value, &it.Command)
				}
			}
		}
		var text string
		if json.Unmarshal(r, &text) == nil {
			it.Error = text
			items[i] = it
			continue
		}
		fillBatchItem(&it, r)
		items[i] = it
	}
	return items
}

func fillBatchItem(it *views.BatchItem, raw json.RawMessage) {
	set, err := decodeBatch("[" + string(raw) + "]")
	if err != nil || len(set) != 1 {
		it.Error = "This item is neither an answer nor a message: " + string(raw)
		return
	}
	for _, kv := range set[0] {
		switch kv.name {
		case "status":
			var n json.Number
			if json.Unmarshal(kv.value, &n) == nil {
				it.Status = n.String()
				it.OK = n.String() == "0"
				it.StatusMeaning = "Error"
				if it.OK {
					it.StatusMeaning = "Success"
				}
			}
		case "status_message":
			var one string
			if json.Unmarshal(kv.value, &one) == nil {
				it.Messages = append(it.Messages, one)
			} else {
				_ = json.Unmarshal(kv.value, &it.Messages)
			}
		default:
			it.Fields = append(it.Fields, views.FieldGroup{Name: kv.name,
				Values: []string{jsonText(kv.value)}})
		}
	}
	if it.Status == "" {
		it.Error = "This item has no status."
	}
}

// jsonText is a JSON value as staff read it: strings without quotes.
func jsonText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}
