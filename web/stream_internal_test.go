package web

import (
	"strings"
	"testing"
)

func TestWriteEvent_LineEnds(t *testing.T) {
	var b strings.Builder
	if err := writeEvent(&b, "notification", 7, "a\rid: 1\r\nevent: x\nb"); err != nil {
		t.Fatal(err)
	}
	want := "event: notification\nid: 7\ndata: a\ndata: id: 1\ndata: event: x\ndata: b\n\n"
	if got := b.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
