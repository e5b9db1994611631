package carcity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Answer is the platform's answer to one command.
type Answer struct {
	HTTPStatus int
	Raw        []byte // the body as it came, always kept

	Status    int // valid only when HasStatus
	HasStatus bool

	// Messages holds status_message, or the status_message[n] tuple
	// ordered by n.
	Messages []string

	// Fields holds every other pair in arrival order, names as given
	// ("lead[0]" stays "lead[0]"). See FieldValues and FieldGroups.
	Fields Params

	// JSON is the decoded body when it is JSON (the batch command), with
	// numbers as json.Number.
	JSON   any
	IsJSON bool

	// Duration is the time from sending the request to reading the whole
	// answer; [Client.Command] sets it, ParseAnswer leaves it zero.
	Duration time.Duration
}

// OK reports whether the answer means success: status 0, or a JSON answer
// with a 2xx HTTP status.
func (a *Answer) OK() bool {
	if a.IsJSON {
		return is2xx(a.HTTPStatus)
	}
	return a.HasStatus && a.Status == 0 && is2xx(a.HTTPStatus)
}

// FieldValues groups Fields by name: each name maps to its values in
// arrival order. It never returns nil.
func (a *Answer) FieldValues() map[string][]string {
	m := make(map[string][]string)
	for _, f := range a.Fields {
		m[f.Name] = append(m[f.Name], f.Value)
	}
	return m
}

// FieldGroup is a set of answer fields shown together. An indexed group
// gathers name[0], name[1], ... under Name, with Values ordered by index.
type FieldGroup struct {
	Name    string
	Values  []string
	Indexed bool
}

// FieldGroups groups Fields for display, in the order in which each group
// first appears. Plain names repeat in arrival order; indexed names
// "x[n]" become one group "x" ordered by n.
func (a *Answer) FieldGroups() []FieldGroup {
	type key struct {
		name    string
		indexed bool
	}
	var groups []FieldGroup
	var indexes [][]int
	pos := make(map[key]int)
	for _, f := range a.Fields {
		name, n, indexed := splitIndex(f.Name)
		k := key{name, indexed}
		i, ok := pos[k]
		if !ok {
			i = len(groups)
			pos[k] = i
			groups = append(groups, FieldGroup{Name: name, Indexed: indexed})
			indexes = append(indexes, nil)
		}
		groups[i].Values = append(groups[i].Values, f.Value)
		indexes[i] = append(indexes[i], n)
	}
	for i := range groups {
		if groups[i].Indexed {
			groups[i].Values = orderByIndex(groups[i].Values, indexes[i])
		}
	}
	return groups
}

// ParseAnswer parses a command answer tolerantly (see [ParseParams]). A
// body whose first non-space byte is '[' or '{' is decoded as JSON.
//
// The answer is returned even with an error, which is an [*Error]:
// KindHTTP for a non-2xx status (what the body says is still parsed), or
// KindMalformed when a 2xx answer has no integer status. A status other
// than 0 is not an error here; [Client.Command] reports it.
func ParseAnswer(httpStatus int, body []byte) (*Answer, error) {
	a := &Answer{HTTPStatus: httpStatus, Raw: body}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') {
		a.IsJSON = true
		err := a.decodeJSON(trimmed)
		if !is2xx(httpStatus) {
			return a, httpError(a)
		}
		return a, err
	}
	why := a.decodePairs(string(body))
	if !is2xx(httpStatus) {
		return a, httpError(a)
	}
	if why != "" {
		return a, malformedError(why)
	}
	return a, nil
}

func (a *Answer) decodeJSON(body []byte) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&a.JSON); err != nil {
		return &Error{Kind: KindMalformed, Err: err,
			Msg: "the platform's answer looks like JSON but is not valid JSON"}
	}
	if d.More() {
		return &Error{Kind: KindMalformed,
			Msg: "the platform's answer has text after its JSON value"}
	}
	return nil
}

// decodePairs fills the status, messages and fields, and returns why the
// answer is malformed, or "".
func (a *Answer) decodePairs(body string) string {
	var statusText string
	var seenStatus bool
	var indexed []string
	var indexes []int
	for _, p := range ParseParams(body) {
		name, n, isIndexed := splitIndex(p.Name)
		switch {
		case p.Name == "status" && !seenStatus:
			seenStatus = true
			statusText = strings.TrimSpace(p.Value)
		case p.Name == "status_message":
			a.Messages = append(a.Messages, p.Value)
		case name == "status_message" && isIndexed:
			indexed = append(indexed, p.Value)
			indexes = append(indexes, n)
		default:
			a.Fields = append(a.Fields, p)
		}
	}
	a.Messages = append(a.Messages, orderByIndex(indexed, indexes)...)
	switch {
	case strings.TrimSpace(body) == "":
		return "the body is empty"
	case !seenStatus:
		return "it has no status"
	}
	status, err := strconv.Atoi(statusText)
	if err != nil {
		return fmt.Sprintf("its status %q is not an integer", statusText)
	}
	a.Status, a.HasStatus = status, true
	return ""
}

// splitIndex splits "name[n]" into name and n. A name without a
// non-negative integer index comes back whole, with indexed false.
func splitIndex(s string) (name string, n int, indexed bool) {
	open := strings.IndexByte(s, '[')
	if open <= 0 || !strings.HasSuffix(s, "]") {
		return s, 0, false
	}
	n, err := strconv.Atoi(s[open+1 : len(s)-1])
	if err != nil || n < 0 || strings.HasPrefix(s[open+1:], "+") {
		return s, 0, false
	}
	return s[:open], n, true
}

// orderByIndex returns values sorted by their indexes; equal indexes keep
// their arrival order.
func orderByIndex(values []string, indexes []int) []string {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return indexes[x] - indexes[y] })
	out := make([]string, len(values))
	for i, j := range order {
		out[i] = values[j]
	}
	return out
}

func is2xx(code int) bool { return code >= 200 && code < 300 }
