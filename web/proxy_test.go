package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestFromProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name, remote, xff, want string
	}{
		{"DirectClient", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"ThroughProxy", "10.0.0.2:5000", "198.51.100.1", "198.51.100.1"},
		{"ThroughTwoProxies", "10.0.0.2:5000", "198.51.100.1, 10.0.0.3", "198.51.100.1"},
		{"ForgedFirstHop", "10.0.0.2:5000", "1.2.3.4, 198.51.100.1", "198.51.100.1"},
		{"NoHeader", "10.0.0.2:5000", "", "10.0.0.2"},
		{"Garbage", "10.0.0.2:5000", "not-an-address", "10.0.0.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := fromProxies(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = clientAddr(r)
			}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
