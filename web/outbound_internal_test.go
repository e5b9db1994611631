package web

import (
	"net/netip"
	"testing"
)

func TestTargetPolicy_Check(t *testing.T) {
	refused := []string{"127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1",
		"169.254.169.254", "fe80::1", "fc00::1", "fd12:3456::1", "224.0.0.1", "ff02::1", "0.0.0.0",
		"::", "100.64.0.1", "192.0.2.1", "198.18.0.1", "240.0.0.1", "255.255.255.255",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:a00:1::1"}
	allowed := []string{"93.184.216.34", "8.8.8.8", "2606:4700::1111"}
	var p targetPolicy
	for _, s := range refused {
		if err := p.check(netip.MustParseAddr(s), false); err == nil {
			t.Errorf("%s: got allowed, want refused", s)
		}
	}
	for _, s := range allowed {
		if err := p.check(netip.MustParseAddr(s), false); err != nil {
			t.Errorf("%s: got %v, want allowed", s, err)
		}
		if err := p.check(netip.MustParseAddr(s), true); err == nil {
			t.Errorf("%s over plain http: got allowed, want refused", s)
		}
	}

	allow, err := ParseAllowTargets(" 127.0.0.0/8, 10.1.2.3 ,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	p = targetPolicy{allow: allow}
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "fd00::5", "::ffff:127.0.0.1"} {
		if err := p.check(netip.MustParseAddr(s), true); err != nil {
			t.Errorf("allowed %s over plain http: got %v, want allowed", s, err)
		}
	}
	if err := p.check(netip.MustParseAddr("10.1.2.4"), false); err == nil {
		t.Errorf("10.1.2.4: got allowed, want refused (only 10.1.2.3 is allowed)")
	}
	if _, err := ParseAllowTargets("127.0.0.0/33"); err == nil {
		t.Errorf("a bad range: got no error")
	}
}
