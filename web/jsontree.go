package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"citylink/views"
)

// errTreeTooDeep stops a tree of data nested deeper than a page can show.
var errTreeTooDeep = errors.New("json tree: nested too deeply")

// maxTreeDepth bounds the tree; deeper data is shown as text only.
const maxTreeDepth = 64

// jsonTree reads data into a tree that keeps the members' order as the
// platform sent them, which decoding into a map would lose.
func jsonTree(data json.RawMessage) (*views.JSONNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := readNode(dec, "", 0)
	if err != nil {
		return nil, fmt.Errorf("json tree: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("json tree: data after the value")
	}
	return &root, nil
}

func readNode(dec *json.Decoder, key string, depth int) (views.JSONNode, error) {
	if depth > maxTreeDepth {
		return views.JSONNode{}, errTreeTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return views.JSONNode{}, err
	}
	n := views.JSONNode{Key: key}
	switch v := tok.(type) {
	case json.Delim:
		n.Kind = "object"
		if v == '[' {
			n.Kind = "array"
		}
		for i := 0; dec.More(); i++ {
			childKey := "[" + strconv.Itoa(i) + "]"
			if n.Kind == "object" {
				name, err := dec.Token()
				if err != nil {
					return n, err
				}
				childKey, _ = name.(string)
			}
			child, err := readNode(dec, childKey, depth+1)
			if err != nil {
				return n, err
			}
			n.Children = append(n.Children, child)
		}
		if _, err := dec.Token(); err != nil {
			return n, err
		}
		n.JSON = compactNode(n)
	case string:
		n.Kind, n.Value = "string", plainJSONString(v)
	case json.Number:
		n.Kind, n.Value = "number", v.String()
	case bool:
		n.Kind, n.Value = "bool", strconv.FormatBool(v)
	case nil:
		n.Kind, n.Value = "null", "null"
	}
	return n, nil
}

// compactNode writes a container back as compact JSON, for copying.
func compactNode(n views.JSONNode) string {
	var b bytes.Buffer
	writeNode(&b, n)
	return b.String()
}

func writeNode(b *bytes.Buffer, n views.JSONNode) {
	switch n.Kind {
	case "object", "array":
		open, end := byte('{'), byte('}')
		if n.Kind == "array" {
			open, end = '[', ']'
		}
		b.WriteByte(open)
		for i, c := range n.Children {
			if i > 0 {
				b.WriteByte(',')
			}
			if n.Kind == "object" {
				b.WriteString(plainJSONString(c.Key))
				b.WriteByte(':')
			}
			writeNode(b, c)
		}
		b.WriteByte(end)
	default:
		b.WriteString(n.Value)
	}
}

// plainJSONString spells s as JSON does, without escaping <, > and & (the
// page escapes them where it must).
func plainJSONString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
