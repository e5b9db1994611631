package db

import (
	"context"
	"fmt"
)

// DeleteExpiredSessions removes staff sessions past their expiry, and says
// how many it removed. Sessions belong to users, not tenants.
func (d *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := d.Pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
