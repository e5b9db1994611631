package web

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// The service URL a command goes to is tenant input, so Citylink must not
// become a way to reach addresses behind it. The guard below is applied
// where the address is final: in the dialer, after name resolution, so a
// name that resolves to an internal address (or is re-pointed there after
// a first check) is refused all the same.

// blockedTargetError is a command target that the outbound guard refused.
// Its message is written for staff.
type blockedTargetError struct{ msg string }

func (e *blockedTargetError) Error() string { return e.msg }

// reservedPrefixes are ranges no command may reach unless the operator
// allows them, beyond what netip.Addr's own predicates recognise: shared
// address space, documentation, benchmarking, IETF protocol assignments,
// NAT64 and 6to4 (which can embed an internal IPv4 address), and the
// reserved class E block.
var reservedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001::/23"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// ParseAllowTargets reads a list of address ranges, as CITYLINK_ALLOW_TARGETS
// and CITYLINK_TRUSTED_PROXIES give them: comma-separated CIDR ranges (a
// bare address is one host).
func ParseAllowTargets(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("allowed target %q: %w", part, err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("allowed target %q: %w", part, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// targetPolicy decides which addresses commands may be sent to.
type targetPolicy struct{ allow []netip.Prefix }

func (p targetPolicy) allowed(a netip.Addr) bool {
	for _, pre := range p.allow {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// check refuses a resolved address. plain is true for http:// targets,
// which go only to the allowed ranges.
func (p targetPolicy) check(a netip.Addr, plain bool) error {
	a = a.Unmap()
	if p.allowed(a) {
		return nil
	}
	if plain {
		return &blockedTargetError{msg: "Citylink sends commands only over https; plain http " +
			"is allowed only to addresses the operator allows. Use an https service URL."}
	}
	if reservedAddr(a) {
		// The address itself is not told: a tenant could otherwise map
		// names inside Citylink's network.
		return &blockedTargetError{msg: "Citylink does not send commands to this service URL: " +
			"its host is a loopback, private, link-local or otherwise reserved address. " +
			"Check the service URL."}
	}
	return nil
}

func reservedAddr(a netip.Addr) bool {
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() ||
		a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return true
	}
	for _, pre := range reservedPrefixes {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// control is a net.Dialer Control function that checks the address the
// dialer is about to connect to.
func (p targetPolicy) control(plain bool) func(string, string, syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &blockedTargetError{msg: "Citylink could not check the service URL's address."}
		}
		return p.check(ap.Addr(), plain)
	}
}

// guardedTransport sends https requests and plain http ones through two
// transports whose dialers check the resolved address, and refuses every
// other scheme.
type guardedTransport struct {
	secure, plain http.RoundTripper
}

func (t *guardedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	switch r.URL.Scheme {
	case "https":
		return t.secure.RoundTrip(r)
	case "http":
		return t.plain.RoundTrip(r)
	default:
		return nil, &blockedTargetError{msg: "The service URL must start with https://."}
	}
}

// newGuardedClient returns the HTTP client commands are sent with. It uses
// no proxy from the environment (a proxy would hide the real target from
// the check) and follows a redirect only to the same host.
func newGuardedClient(allow []netip.Prefix) *http.Client {
	policy := targetPolicy{allow: allow}
	transport := func(plain bool) *http.Transport {
		d := &net.Dialer{Timeout: 10 * time.Second, Control: policy.control(plain)}
		return &http.Transport{
			Proxy:               nil,
			DialContext:         d.DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConns:        100,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		}
	}
	return &http.Client{
		Transport: &guardedTransport{secure: transport(false), plain: transport(true)},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return &blockedTargetError{msg: "The platform redirected the command too often."}
			}
			if req.URL.Host != via[0].URL.Host {
				return &blockedTargetError{msg: fmt.Sprintf(
					"The platform redirected the command to another host (%s); Citylink "+
						"does not follow it. Check the service URL.", req.URL.Hostname())}
			}
			return nil
		},
	}
}

// blockedMessage returns the guard's message when err is a refusal.
func blockedMessage(err error) (string, bool) {
	var b *blockedTargetError
	if errors.As(err, &b) {
		return b.msg, true
	}
	return "", false
}
