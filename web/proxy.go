package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// fromProxies makes the client's address the one the operator's own
// reverse proxies saw, so that the sign-in lockout, the audit history and
// the requests log name the real client rather than the proxy. Only a
// request that comes from a trusted proxy is read this way: anyone else
// could write any X-Forwarded-For they like.
func fromProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if addr, ok := forwardedFor(trusted, r); ok {
			r2 := r.Clone(r.Context())
			r2.RemoteAddr = net.JoinHostPort(addr, "0")
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// forwardedFor walks X-Forwarded-For from the nearest hop back and returns
// the first address that is not one of the trusted proxies.
func forwardedFor(trusted []netip.Prefix, r *http.Request) (string, bool) {
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	if !isTrusted(clientAddr(r)) {
		return "", false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			return "", false
		}
		if !isTrusted(hop) {
			return hop, true
		}
	}
	return "", false
}
