package db

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// sealVersion is the first byte of every sealed value, so that the format
// can change later without guessing.
const sealVersion = 1

// Keyring seals and opens the tenants' platform secrets with AES-256-GCM.
// New values are sealed with the primary key; values sealed with an older
// key still open while it stays in the ring, so keys can be rotated.
type Keyring struct {
	primaryID string
	aeads     map[string]cipher.AEAD
}

// NewKeyring returns a keyring that seals with primary (32 bytes) under the
// key id primaryID and also opens values sealed with the old keys.
func NewKeyring(primaryID string, primary []byte, old map[string][]byte) (*Keyring, error) {
	k := &Keyring{primaryID: primaryID, aeads: make(map[string]cipher.AEAD)}
	if err := k.add(primaryID, primary); err != nil {
		return nil, err
	}
	for id, key := range old {
		if id == primaryID {
			return nil, fmt.Errorf("keyring: key id %q used twice", id)
		}
		if err := k.add(id, key); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (k *Keyring) add(id string, key []byte) error {
	if id == "" || len(id) > 255 || strings.ContainsAny(id, ":,") {
		return fmt.Errorf("keyring: bad key id %q", id)
	}
	if len(key) != 32 {
		return fmt.Errorf("keyring: key %q has %d bytes, want 32", id, len(key))
	}

	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	k.aeads[id] = aead
	return nil
}

// ParseKeyring reads the primary key as "kid:base64" or as bare base64 (key
// id "k1"), and old as a comma-separated list of "kid:base64" keys, the
// form of CITYLINK_SECRET_KEY and its companion for rotation.
func ParseKeyring(primary, old string) (*Keyring, error) {
	primaryID, primaryKey, err := parseKey(primary)
	if err != nil {
		return nil, err
	}

	olds := make(map[string][]byte)
	for s := range strings.SplitSeq(old, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		id, key, err := parseKey(s)
		if err != nil {
			return nil, err
		}
		olds[id] = key
	}
	return NewKeyring(primaryID, primaryKey, olds)
}

func parseKey(s string) (string, []byte, error) {
	id, encoded, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found {
		id, encoded = "k1", id
	}
	if encoded == "" {
		return "", nil, errors.New("keyring: empty key")
	}

	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if key, err := enc.DecodeString(encoded); err == nil {
			return id, key, nil
		}
	}
	return "", nil, fmt.Errorf("keyring: key %q is not base64", id)
}

// GenerateKey returns a new random key in the form ParseKeyring reads,
// "k1:" and 32 random bytes in base64, for the development key file.
func GenerateKey() string {
	return "k1:" + base64.StdEncoding.EncodeToString(randomBytes(32))
}

// Seal encrypts plain for one column of one tenant's row. The tenant id,
// the column and the key id are bound in as additional data, so a sealed
// value copied to another tenant or column does not open.
//
// The result is: version byte, key id length, key id, nonce, ciphertext.
func (k *Keyring) Seal(tenantID int64, column string, plain []byte) ([]byte, error) {
	aead := k.aeads[k.primaryID]
	nonce := randomBytes(aead.NonceSize())

	out := make([]byte, 0, 2+len(k.primaryID)+len(nonce)+len(plain)+aead.Overhead())
	out = append(out, sealVersion, byte(len(k.primaryID)))
	out = append(out, k.primaryID...)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plain, sealData(tenantID, column, k.primaryID)), nil
}

// Open decrypts a value made by Seal for the same tenant and column, with
// whichever key of the ring sealed it.
func (k *Keyring) Open(tenantID int64, column string, sealed []byte) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != sealVersion {
		return nil, errors.New("keyring: not a sealed value")
	}
	idLen := int(sealed[1])
	if len(sealed) < 2+idLen {
		return nil, errors.New("keyring: truncated sealed value")
	}
	id := string(sealed[2 : 2+idLen])
	rest := sealed[2+idLen:]

	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("keyring: unknown key id %q", id)
	}
	if len(rest) < aead.NonceSize() {
		return nil, errors.New("keyring: truncated sealed value")
	}
	nonce, ciphertext := rest[:aead.NonceSize()], rest[aead.NonceSize():]

	plain, err := aead.Open(nil, nonce, ciphertext, sealData(tenantID, column, id))
	if err != nil {
		return nil, fmt.Errorf("keyring: open %s of tenant %d: %w", column, tenantID, err)
	}
	return plain, nil
}

// sealData is the additional data of a sealed value. The NUL separators
// keep the parts apart, since none of them contains one.
func sealData(tenantID int64, column, keyID string) []byte {
	id := strconv.FormatInt(tenantID, 10)
	return []byte("citylink\x00" + id + "\x00" + column + "\x00" + keyID)
}

// randomBytes returns n bytes from the operating system's generator, which
// does not fail on the systems Go supports.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return b
}
