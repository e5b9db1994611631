package db_test

import (
	"bytes"
	"strings"
	"testing"

	"citylink/db"
)

func mustKeyring(tb testing.TB, primary, old string) *db.Keyring {
	tb.Helper()
	k, err := db.ParseKeyring(primary, old)
	if err != nil {
		tb.Fatalf("parse keyring: %v", err)
	}
	return k
}

func TestKeyring_Seal(t *testing.T) {
	k := mustKeyring(t, db.GenerateKey(), "")
	plain := []byte("APIuser123 ünïcode")

	sealed, err := k.Seal(7, "password_sealed", plain)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatalf("sealed value contains the plain text")
	}

	t.Run("RoundTrip", func(t *testing.T) {
		got, err := k.Open(7, "password_sealed", sealed)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("got %q, want %q", got, plain)
		}
	})
	t.Run("OtherTenant", func(t *testing.T) {
		if _, err := k.Open(8, "password_sealed", sealed); err == nil {
			t.Errorf("opened a value moved to another tenant")
		}
	})
	t.Run("OtherColumn", func(t *testing.T) {
		if _, err := k.Open(7, "comm_key_sealed", sealed); err == nil {
			t.Errorf("opened a value moved to another column")
		}
	})
	t.Run("Tampered", func(t *testing.T) {
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		if _, err := k.Open(7, "password_sealed", bad); err == nil {
			t.Errorf("opened a tampered value")
		}
	})
	t.Run("FreshNonce", func(t *testing.T) {
		again, _ := k.Seal(7, "password_sealed", plain)
		if bytes.Equal(again, sealed) {
			t.Errorf("two seals of one value are equal")
		}
	})
}

func TestKeyring_Rotation(t *testing.T) {
	oldKey := db.GenerateKey()
	before := mustKeyring(t, oldKey, "")
	sealed, err := before.Seal(1, "comm_key_sealed", []byte("secret"))
	if err != nil {
		t.Fatalf("seal: %v", err)
	}

	newKey := strings.Replace(db.GenerateKey(), "k1:", "k2:", 1)
	t.Run("OldKeyStillOpens", func(t *testing.T) {
		after := mustKeyring(t, newKey, oldKey)
		got, err := after.Open(1, "comm_key_sealed", sealed)
		if err != nil {
			t.Fatalf("open with the old key in the ring: %v", err)
		}
		if string(got) != "secret" {
			t.Errorf("got %q, want %q", got, "secret")
		}
	})
	t.Run("OldKeyDropped", func(t *testing.T) {
		after := mustKeyring(t, newKey, "")
		if _, err := after.Open(1, "comm_key_sealed", sealed); err == nil {
			t.Errorf("opened a value whose key left the ring")
		}
	})
	t.Run("SameIDOtherKey", func(t *testing.T) {
		other := mustKeyring(t, db.GenerateKey(), "")
		if _, err := other.Open(1, "comm_key_sealed", sealed); err == nil {
			t.Errorf("opened with another key under the same id")
		}
	})
}

func TestParseKeyring(t *testing.T) {
	key32 := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	tests := []struct {
		name, primary, old string
		ok                 bool
	}{
		{"Bare", key32, "", true},
		{"WithID", "main:" + key32, "", true},
		{"WithOld", "k2:" + key32, " k1:" + key32 + ", k0:" + key32, true},
		{"Short", "k1:c2hvcnQ=", "", false},
		{"NotBase64", "k1:***", "", false},
		{"Empty", "", "", false},
		{"DuplicateID", "k1:" + key32, "k1:" + key32, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.ParseKeyring(tt.primary, tt.old)
			if got := err == nil; got != tt.ok {
				t.Errorf("got ok %v (err %v), want %v", got, err, tt.ok)
			}
		})
	}
}
