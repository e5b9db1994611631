package carcity

import "testing"

func TestAuthAnswerMD5(t *testing.T) {
	tests := []struct {
		name                   string
		loginID, password, key string
		want                   string
	}{
		{"apiuser", "apiuser", "APIuser123", "0123456789abcdefg", "8f3a4830f39f4ae665d3050123aa59bc"},
		{"dealer42", "dealer42", "s3cret", "12345678abcdefgh", "1eb3130ba7ff2b8b6701731546ae6b4e"},
		// Computed once with a separate MD5 implementation over the UTF-8
		// bytes of "händler" + "pässwört€" + "schlüssel".
		{"non-ASCII", "händler", "pässwört€", "schlüssel", "b6f4a0ada7099ca459fdf14ec30c1390"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AuthAnswerMD5(tt.loginID, tt.password, tt.key); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeriveToken(t *testing.T) {
	tests := []struct {
		name             string
		commKey, loginID string
		want             string
	}{
		{"apiuser", "commkey-123", "apiuser", "WPMCuYVCPi84aXbXmtBAdPaNec44npkquaj-Dvyg1RY"},
		{"key with spaces", "A long comm key with spaces", "dealer42",
			"KeGCYw6EQulW_prvyDKAiRblHQX-e7i1eUpCTYvk2rE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DeriveToken(tt.commKey, tt.loginID)
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if len(got) != 43 {
				t.Errorf("got length %d, want 43", len(got))
			}
		})
	}
}
