package views

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// emptyParamRows is how many blank name/value rows the command form offers
// after the filled ones, so that it is usable without JavaScript.
const emptyParamRows = 3

// tenantURL builds a path under the tenant's prefix, such as
// tenantURL("demo", "/commands") for "/t/demo/commands".
func tenantURL(slug, rest string) string {
	return "/t/" + url.PathEscape(slug) + rest
}

// homeURL is where the brand link and error pages lead: the tenant's start
// page when one is open, the site root otherwise.
func homeURL(p Page) string {
	if p.TenantSlug == "" {
		return "/"
	}
	return tenantURL(p.TenantSlug, "/")
}

// documentTitle is the text of the <title> element.
func documentTitle(p Page) string {
	parts := make([]string, 0, 3)
	if p.Title != "" {
		parts = append(parts, p.Title)
	}
	if p.TenantName != "" {
		parts = append(parts, p.TenantName)
	}
	parts = append(parts, "Citylink")
	return strings.Join(parts, " · ")
}

// typeOptions lists the types of the filter's select. The current filter
// value is kept even when it is not among the known types, so that the form
// shows what the list was filtered by.
func typeOptions(types []string, current string) []string {
	if current == "" || current == "all" {
		return types
	}
	for _, t := range types {
		if t == current {
			return types
		}
	}
	return append(append([]string(nil), types...), current)
}

// formRows is the filled parameter rows followed by the blank ones.
func formRows(rows []ParamRow) []ParamRow {
	out := make([]ParamRow, 0, len(rows)+emptyParamRows)
	out = append(out, rows...)
	for range emptyParamRows {
		out = append(out, ParamRow{})
	}
	return out
}

// secretPlaceholder tells whether a write-only secret is saved, without
// ever carrying the secret itself.
func secretPlaceholder(saved bool) string {
	if saved {
		return "saved — leave empty to keep"
	}
	return "not set"
}

// savedText is the read-only view of a write-only secret.
func savedText(saved bool) string {
	if saved {
		return "Saved"
	}
	return "Not set"
}

// fieldAttrs marks an input as invalid and points it at its error text.
func fieldAttrs(errs map[string]string, name string) templ.Attributes {
	if errs[name] == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{
		"aria-invalid":     "true",
		"aria-describedby": "error-" + name,
	}
}

// authModes and commandAuths are the choices of the settings form, in the
// order it shows them; the first is the default.
var (
	authModes = []choice{
		{"immediate", "Immediate",
			"Answer the handshake at once with the md5 of login id, password and key."},
		{"passive", "Passive",
			"Answer OK, then confirm with the command authenticate_notifications."},
	}
	commandAuths = []choice{
		{"plain", "Login id and password", ""},
		{"static_token", "Static token", ""},
		{"derived_token", "Token derived from comm_key", ""},
	}
)

// choice is one option of a radio group or select.
type choice struct {
	Value string
	Label string
	Hint  string
}

// chosen reports whether c is the selected option, given the current value
// and the list it belongs to: an empty or unknown value selects the first.
func chosen(c choice, current string, all []choice) bool {
	for _, o := range all {
		if o.Value == current {
			return c.Value == current
		}
	}
	return c.Value == all[0].Value
}

// choiceLabel is the label of value in all, or value itself if unknown.
func choiceLabel(value string, all []choice) string {
	for _, c := range all {
		if c.Value == value {
			return c.Label
		}
	}
	if value == "" {
		return all[0].Label
	}
	return value
}

// statusClass is the CSS class that colours an outcome.
func statusClass(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

func itoa(n int) string     { return strconv.Itoa(n) }
func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

// errorFrame is the Page of an error page, titled after the error when the
// handler gave no title of its own.
func errorFrame(p ErrorProps) Page {
	page := p.Page
	if page.Title == "" {
		page.Title = p.Title
	}
	return page
}

// orDash stands in for a missing value in a table cell.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// headerRows lets a request's headers share the name/value table.
func headerRows(headers []HeaderLine) []ParamRow {
	rows := make([]ParamRow, len(headers))
	for i, h := range headers {
		rows[i] = ParamRow(h)
	}
	return rows
}

// authKindTexts names the ways a command authenticated, as recorded.
var authKindTexts = map[string]string{
	"plain":         "Login id and password",
	"static token":  "Static token",
	"derived token": "Token derived from comm_key",
}

// authKindText is how the history and the answer name an attempt's
// authentication.
func authKindText(kind string) string {
	if t, ok := authKindTexts[kind]; ok {
		return t
	}
	return orDash(kind)
}

// optionLabel is how a select shows an option; the empty one means "not
// sent".
func optionLabel(o string) string {
	if o == "" {
		return "—"
	}
	return o
}

// containerLabel names an object or array and its size in a tree.
func containerLabel(n JSONNode) string {
	if n.Kind == "array" {
		return "[" + itoa(len(n.Children)) + "]"
	}
	return "{" + itoa(len(n.Children)) + "}"
}
