package web

import (
	"sync"
	"time"
)

// DefaultCommandRate is how many commands a tenant may send per minute
// when the operator sets no rate.
const DefaultCommandRate = 60

// commandLimiter is a token bucket per tenant: each tenant may send up to
// perMinute commands at once, and earns them back evenly over a minute.
// It protects the tenant's platform account from a runaway console or
// script.
//
// TODO: the buckets live in this process only; with several Citylink
// processes each grants the full rate. A shared limit needs Postgres or
// another shared store.
type commandLimiter struct {
	perMinute float64
	mu        sync.Mutex
	buckets   map[int64]*bucket
	now       func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newCommandLimiter(perMinute int) *commandLimiter {
	if perMinute <= 0 {
		perMinute = DefaultCommandRate
	}
	return &commandLimiter{perMinute: float64(perMinute), buckets: map[int64]*bucket{},
		now: time.Now}
}

// allow takes one token of the tenant's bucket and reports whether there
// was one.
func (l *commandLimiter) allow(tenantID int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[tenantID]
	if !ok {
		b = &bucket{tokens: l.perMinute, at: now}
		l.buckets[tenantID] = b
	}
	b.tokens = min(l.perMinute, b.tokens+now.Sub(b.at).Minutes()*l.perMinute)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
