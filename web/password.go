package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for staff passwords. They follow the commonly
// recommended minimum (19 MiB, two passes), which keeps a sign-in well under
// a tenth of a second on a small server while making offline guessing slow.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLength is the shortest staff password Citylink accepts.
const MinPasswordLength = 10

// ErrWeakPassword is returned for a password shorter than MinPasswordLength.
var ErrWeakPassword = fmt.Errorf("a password needs at least %d characters", MinPasswordLength)

var errBadHash = errors.New("unrecognised password hash")

// HashPassword returns the argon2id hash of password in the usual
// "$argon2id$v=19$m=...,t=...,p=...$salt$key" form.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", ErrWeakPassword
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// passwordChecks counts CheckPassword calls, so that tests can see that a
// locked sign-in hashes nothing.
var passwordChecks atomic.Int64

// CheckPassword reports whether password matches hash. The parameters are
// read from the hash, so hashes made with older settings keep working.
func CheckPassword(hash, password string) (bool, error) {
	passwordChecks.Add(1)
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when an email is unknown, so that an unknown
// account takes as long to refuse as a wrong password.
var dummyHash = func() string {
	h, err := HashPassword("not a real password at all")
	if err != nil {
		panic(err)
	}
	return h
}()
