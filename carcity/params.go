package carcity

import (
	"net/url"
	"strings"
)

// Param is one name/value pair of a command or of an answer.
type Param struct {
	Name  string
	Value string
}

// Params is an ordered list of pairs. A name may appear more than once.
type Params []Param

// Get returns the first value named name, or "" when there is none.
func (p Params) Get(name string) string {
	v, _ := p.Lookup(name)
	return v
}

// Lookup returns the first value named name and whether there was one.
func (p Params) Lookup(name string) (string, bool) {
	for _, kv := range p {
		if kv.Name == name {
			return kv.Value, true
		}
	}
	return "", false
}

// Encode returns p as an application/x-www-form-urlencoded body, keeping
// the order of the pairs and escaping each name and value exactly once.
func (p Params) Encode() string {
	var b strings.Builder
	for i, kv := range p {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv.Value))
	}
	return b.String()
}

// SecretParamNames lists the pair names whose values are never stored or
// logged. Compare case-insensitively, as [IsSecretParam] does. The
// user_login_token command's password parameter is a secret too.
var SecretParamNames = []string{"ai_login_password", "ai_sitecom_token", "password"}

// IsSecretParam reports whether a pair named name holds a secret.
func IsSecretParam(name string) bool {
	for _, s := range SecretParamNames {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

// Redacted is the value that replaces a secret in [Redact]'s result.
const Redacted = "[redacted]"

// Redact returns a copy of p in which every secret value is replaced by
// [Redacted]. The names and the order are kept.
func Redact(p Params) Params {
	if p == nil {
		return nil
	}
	out := make(Params, len(p))
	for i, kv := range p {
		if IsSecretParam(kv.Name) {
			kv.Value = Redacted
		}
		out[i] = kv
	}
	return out
}

// ParseParams splits a URL-encoded body into its pairs as tolerantly as the
// platform's answers require: '+' and raw spaces both mean a space, a '%'
// that does not start a valid escape stays literal, ';' is an ordinary
// character, a name without '=' has an empty value, and surrounding
// whitespace (such as a trailing newline) is dropped. Every pair is kept,
// in order.
func ParseParams(body string) Params {
	body = strings.TrimSpace(body)
	if body == "" {
		return nil
	}
	var p Params
	for piece := range strings.SplitSeq(body, "&") {
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		p = append(p, Param{Name: unescape(name), Value: unescape(value)})
	}
	return p
}

// unescape decodes '+' and valid %XX escapes and keeps everything else as
// it came, unlike url.QueryUnescape, which fails on the first bad escape.
func unescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, fromHex(s[i+1])<<4|fromHex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func fromHex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
