package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StartLoginAttempt records a sign-in attempt for an email (known or not)
// from an address, counted as failed until [DeleteLoginFailures] clears
// it. It is recorded before the password is checked, so that attempts
// racing in parallel count against each other.
//
// When the email or the address had max failures or more within window
// before this attempt, the attempt is not kept and until says when the
// lock ends: when the max-th newest of those failures is window old.
// Otherwise until is the zero time. Failures older than window, which no
// lock looks at any more, are forgotten on the way.
func (d *DB) StartLoginAttempt(
	ctx context.Context, email, addr string, max int, window time.Duration,
) (until time.Time, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	_, err = d.Pool.Exec(ctx, `
		DELETE FROM login_failures WHERE at < now() - $1 * interval '1 second'`, window.Seconds())
	if err != nil {
		return time.Time{}, fmt.Errorf("prune login failures: %w", err)
	}
	var id int64
	err = d.Pool.QueryRow(ctx, `
		INSERT INTO login_failures (email, remote_addr) VALUES ($1, $2) RETURNING id`,
		email, addr).Scan(&id)
	if err != nil {
		return time.Time{}, fmt.Errorf("record login attempt: %w", err)
	}

	var byEmail, byAddr *time.Time
	err = d.Pool.QueryRow(ctx, `
		SELECT
			(SELECT (array_agg(at ORDER BY at DESC))[$3] FROM login_failures
			 WHERE email = $1 AND id <> $5 AND at > now() - $4 * interval '1 second'),
			(SELECT (array_agg(at ORDER BY at DESC))[$3] FROM login_failures
			 WHERE remote_addr = $2 AND id <> $5 AND at > now() - $4 * interval '1 second')`,
		email, addr, max, window.Seconds(), id).Scan(&byEmail, &byAddr)
	if err != nil {
		return time.Time{}, fmt.Errorf("find login lock: %w", err)
	}
	for _, at := range []*time.Time{byEmail, byAddr} {
		if at != nil && at.Add(window).After(until) {
			until = at.Add(window)
		}
	}
	if until.IsZero() {
		return until, nil
	}
	// A refused attempt is no failure of its own: keeping it would push
	// the lock further out with every try and make the retry time a lie.
	if _, err := d.Pool.Exec(ctx, `DELETE FROM login_failures WHERE id = $1`, id); err != nil {
		return time.Time{}, fmt.Errorf("drop refused login attempt: %w", err)
	}
	return until, nil
}

// DeleteLoginFailures forgets an email's failures after it signed in. The
// address's failures of other emails stay, so that one good account does
// not reset the count of an address guessing at others.
func (d *DB) DeleteLoginFailures(ctx context.Context, email string) error {
	_, err := d.Pool.Exec(ctx, `DELETE FROM login_failures WHERE email = lower($1)`,
		strings.TrimSpace(email))
	if err != nil {
		return fmt.Errorf("delete login failures: %w", err)
	}
	return nil
}
