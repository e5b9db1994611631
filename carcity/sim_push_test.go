package carcity

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
)

// TestSimulator_ErrorsLeaveOutNotifyURL pushes to a closed port and checks
// that neither the errors nor the log name the notify URL's token.
func TestSimulator_ErrorsLeaveOutNotifyURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	const token = "tok3n-of-the-tenant-0123456789"
	var mu sync.Mutex
	var logs strings.Builder
	sim := NewSimulator(SimConfig{NotifyURL: "http://" + addr + "/hooks/" + token,
		Logf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(&logs, format+"\n", args...)
		}})
	ctx := testContext(t)

	res, err := sim.Authenticate(ctx, true)
	if err == nil {
		t.Fatal("authenticate to a closed port: got no error")
	}
	texts := []string{err.Error(), res.Err}
	a, err := sim.DeliverNow(ctx, []Message{{Type: "generic", Data: []byte(`"x"`)}})
	if err == nil {
		t.Fatal("deliver to a closed port: got no error")
	}
	mu.Lock()
	texts = append(texts, err.Error(), a.Err, logs.String())
	mu.Unlock()
	for _, s := range texts {
		if strings.Contains(s, token) || strings.Contains(s, "/hooks/") {
			t.Errorf("got %q, want no notify URL path", s)
		}
	}
}
