package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// CreateLoginFailure records a failed sign-in for an email (known or not)
// from an address, and forgets failures older than keep, which no lockout
// looks at any more.
func (d *DB) CreateLoginFailure(ctx context.Context, email, addr string, keep time.Duration) error {
	_, err := d.Pool.Exec(ctx, `
		INSERT INTO login_failures (email, remote_addr) VALUES (lower($1), $2)`,
		strings.TrimSpace(email), addr)
	if err != nil {
		return fmt.Errorf("create login failure: %w", err)
	}
	_, err = d.Pool.Exec(ctx, `
		DELETE FROM login_failures WHERE at < now() - $1 * interval '1 second'`, keep.Seconds())
	if err != nil {
		return fmt.Errorf("prune login failures: %w", err)
	}
	return nil
}

// FindLoginLock reports until when sign-in is locked for the email or the
// address: when either had max failures or more within window, the lock
// lasts until the max-th newest of them is window old. Not locked is the
// zero time.
func (d *DB) FindLoginLock(
	ctx context.Context, email, addr string, max int, window time.Duration,
) (time.Time, error) {
	var byEmail, byAddr *time.Time
	err := d.Pool.QueryRow(ctx, `
		SELECT
			(SELECT (array_agg(at ORDER BY at DESC))[$3] FROM login_failures
			 WHERE email = lower($1) AND at > now() - $4 * interval '1 second'),
			(SELECT (array_agg(at ORDER BY at DESC))[$3] FROM login_failures
			 WHERE remote_addr = $2 AND at > now() - $4 * interval '1 second')`,
		strings.TrimSpace(email), addr, max, window.Seconds()).Scan(&byEmail, &byAddr)
	if err != nil {
		return time.Time{}, fmt.Errorf("find login lock: %w", err)
	}
	var until time.Time
	for _, at := range []*time.Time{byEmail, byAddr} {
		if at != nil && at.Add(window).After(until) {
			until = at.Add(window)
		}
	}
	return until, nil
}

// DeleteLoginFailures forgets an email's failures after it signed in. The
// address's failures stay, so that one good account does not reset the
// count of an address guessing at others.
func (d *DB) DeleteLoginFailures(ctx context.Context, email string) error {
	_, err := d.Pool.Exec(ctx, `DELETE FROM login_failures WHERE email = lower($1)`,
		strings.TrimSpace(email))
	if err != nil {
		return fmt.Errorf("delete login failures: %w", err)
	}
	return nil
}
