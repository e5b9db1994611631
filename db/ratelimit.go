package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// TakeCommandToken takes one command from the tenant's allowance of
// perMinute commands a minute, and reports whether there was one. The
// bucket lives in the database, so every Citylink process draws on the
// same one; the row's lock makes concurrent takes wait their turn.
func (d *DB) TakeCommandToken(ctx context.Context, tenantID int64, perMinute int) (bool, error) {
	var ok bool
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var left float64
		err := tx.QueryRow(ctx, `
			INSERT INTO command_rate AS r (tenant_id, tokens, at)
			VALUES ($1, $2::double precision - 1, clock_timestamp())
			ON CONFLICT (tenant_id) DO UPDATE
			SET tokens = least($2::double precision, r.tokens +
			        extract(epoch FROM clock_timestamp() - r.at) / 60 * $2) - 1,
			    at = clock_timestamp()
			WHERE r.tenant_id = $1 AND least($2::double precision, r.tokens +
			        extract(epoch FROM clock_timestamp() - r.at) / 60 * $2) >= 1
			RETURNING tokens`,
			tenantID, perMinute).Scan(&left)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("take command token of tenant %d: %w", tenantID, err)
	}
	return ok, nil
}
