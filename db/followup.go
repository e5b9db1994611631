package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// HandshakeFollowUp is what became of a tenant's latest passive handshake
// follow-up: the background job that sends authenticate_notifications.
type HandshakeFollowUp struct {
	TenantID  int64
	State     string // pending, retrying, succeeded or failed
	Attempts  int
	LastError string
	NextAt    *time.Time // the next try, while pending or retrying
	UpdatedAt time.Time
}

// UpsertHandshakeFollowUp records the follow-up's state for its tenant.
func (d *DB) UpsertHandshakeFollowUp(ctx context.Context, f HandshakeFollowUp) error {
	err := d.inTenant(ctx, f.TenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO handshake_follow_ups (tenant_id, state, attempts, last_error, next_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id) DO UPDATE
			SET state = EXCLUDED.state, attempts = EXCLUDED.attempts,
			    last_error = EXCLUDED.last_error, next_at = EXCLUDED.next_at,
			    updated_at = now()`,
			f.TenantID, f.State, f.Attempts, f.LastError, f.NextAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("upsert handshake follow-up: %w", translate(err))
	}
	return nil
}

// StartHandshakeFollowUp marks the tenant's follow-up pending, unless one
// is pending or retrying already: that one goes on, and a new handshake
// does not reset its count.
func (d *DB) StartHandshakeFollowUp(ctx context.Context, tenantID int64) error {
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO handshake_follow_ups (tenant_id, state, next_at)
			VALUES ($1, 'pending', now())
			ON CONFLICT (tenant_id) DO UPDATE
			SET state = 'pending', attempts = 0, last_error = '', next_at = now(),
			    updated_at = now()
			WHERE handshake_follow_ups.state NOT IN ('pending', 'retrying')`, tenantID)
		return err
	})
	if err != nil {
		return fmt.Errorf("start handshake follow-up: %w", err)
	}
	return nil
}

// FindHandshakeFollowUp returns the tenant's follow-up state, or
// [ErrNotFound] when no passive handshake was ever followed up.
func (d *DB) FindHandshakeFollowUp(ctx context.Context, tenantID int64) (HandshakeFollowUp, error) {
	var f HandshakeFollowUp
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT tenant_id, state, attempts, last_error, next_at, updated_at
			FROM handshake_follow_ups
			WHERE tenant_id = $1`, tenantID)
		var err error
		f, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[HandshakeFollowUp])
		return err
	})
	if err != nil {
		return HandshakeFollowUp{}, fmt.Errorf("find handshake follow-up: %w", translate(err))
	}
	return f, nil
}
