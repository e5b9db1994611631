package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"citylink/db"
	"citylink/views"
)

// A sign-in is locked for an account or an address after maxLoginFailures
// failures within loginWindow, until the oldest of them is that old.
const (
	maxLoginFailures = 5
	loginWindow      = 15 * time.Minute
)

// errSignIn is the one answer to a failed sign-in, whether the email is
// unknown or the password wrong.
const errSignIn = "The email or password is not right."

var errBadSignIn = errors.New("bad email or password")

// lockedError refuses a sign-in until a time.
type lockedError struct{ until time.Time }

func (e *lockedError) Error() string { return "sign-in locked until " + e.until.String() }

// authenticate checks an email and password: [errBadSignIn] for an
// unknown email and a wrong password alike, a *lockedError while the
// account or the request's address is locked. The attempt is recorded and
// the lock checked before any password is hashed, so a locked account
// costs the server nothing and tells nothing, even when the password is
// right, and parallel guesses count against each other.
func (s *Server) authenticate(r *http.Request, email, password string) (db.User, error) {
	ctx := r.Context()
	until, err := s.db.StartLoginAttempt(ctx, email, clientAddr(r), maxLoginFailures, loginWindow)
	if err != nil {
		return db.User{}, err
	}
	if !until.IsZero() {
		return db.User{}, &lockedError{until: until}
	}

	user, err := s.db.FindUserByEmail(ctx, email)
	hash := user.PasswordHash
	if errors.Is(err, db.ErrNotFound) {
		hash = dummyHash
	} else if err != nil {
		return db.User{}, err
	}
	ok, err := CheckPassword(hash, password)
	if err != nil || !ok || user.ID == 0 {
		// The attempt stays recorded as a failure.
		if user.ID != 0 {
			s.auditUser(ctx, r, user, "signin.failed", "", nil)
		}
		return db.User{}, errBadSignIn
	}
	if err := s.db.DeleteLoginFailures(ctx, email); err != nil {
		return db.User{}, err
	}
	return user, nil
}

// signInRefusal is what to show for a refused sign-in: the status, the
// message and, when locked, the retry time, also set as Retry-After. ok is
// false for an internal error, which the caller hands to fail.
func signInRefusal(w http.ResponseWriter, err error) (status int, msg, retry string, ok bool) {
	var locked *lockedError
	switch {
	case errors.Is(err, errBadSignIn):
		return http.StatusUnauthorized, errSignIn, "", true
	case errors.As(err, &locked):
		wait := time.Until(locked.until)
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		retry = fmt.Sprintf("Too many failed sign-ins. Try again after %s (in %d minutes).",
			locked.until.UTC().Format("15:04 UTC"), int(math.Ceil(wait.Minutes())))
		return http.StatusTooManyRequests, "", retry, true
	}
	return 0, "", "", false
}

// failSignIn shows the sign-in page again for a refused sign-in.
func (s *Server) failSignIn(w http.ResponseWriter, r *http.Request, err error, p views.LoginProps) {
	status, msg, retry, ok := signInRefusal(w, err)
	if !ok {
		s.fail(w, r, nil, err)
		return
	}
	p.Error, p.RetryAfter = msg, retry
	s.render(w, r, status, views.LoginPage(p))
}
