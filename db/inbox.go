package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// UpdateNotificationsRead marks the tenant's notifications ids read by
// userID, or unread. Marking read keeps the first reader and time of a
// notification that was read already. It returns how many changed.
func (d *DB) UpdateNotificationsRead(
	ctx context.Context, tenantID int64, ids []int64, userID int64, read bool,
) (int64, error) {
	var n int64
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		sql := `
			UPDATE notifications SET read_at = NULL, read_by = NULL
			WHERE tenant_id = $1 AND id = ANY($2) AND read_at IS NOT NULL`
		args := []any{tenantID, ids}
		if read {
			sql = `
				UPDATE notifications SET read_at = now(), read_by = $3
				WHERE tenant_id = $1 AND id = ANY($2) AND read_at IS NULL`
			args = append(args, userID)
		}
		tag, err := tx.Exec(ctx, sql, args...)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("update notifications read: %w", translate(err))
	}
	return n, nil
}

// DayCount is how many notifications of one type a tenant received on one
// day of its time zone.
type DayCount struct {
	Day   time.Time // midnight of the day, in UTC, named by its date
	Type  string
	Count int
}

// InboxStats is the dashboard's summary of a tenant's inbox. Repeats are
// not counted.
type InboxStats struct {
	Today        int
	LastDelivery *time.Time // the last accepted delivery's time, nil when none
	Days         []DayCount // since the From given, per day and type
}

// FindInboxStats counts the tenant's notifications since today (midnight
// in the tenant's zone) and per day and type since from, and finds the
// time of the last accepted delivery. zone is an IANA time zone name.
func (d *DB) FindInboxStats(
	ctx context.Context, tenantID int64, zone string, today, from time.Time,
) (InboxStats, error) {
	var st InboxStats
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT count(*) FROM notifications
			WHERE tenant_id = $1 AND received_at >= $2 AND repeat_of IS NULL`,
			tenantID, today).Scan(&st.Today)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `
			SELECT max(received_at) FROM hook_requests
			WHERE tenant_id = $1 AND request_kind = 'delivery' AND outcome = 'accepted'`,
			tenantID).Scan(&st.LastDelivery)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `
			SELECT (received_at AT TIME ZONE $3)::date::timestamp AT TIME ZONE 'UTC' AS day,
			       type, count(*)::int AS count
			FROM notifications
			WHERE tenant_id = $1 AND received_at >= $2 AND repeat_of IS NULL
			GROUP BY 1, 2
			ORDER BY 1, 2`, tenantID, from, zone)
		st.Days, err = pgx.CollectRows(rows, pgx.RowToStructByName[DayCount])
		return err
	})
	if err != nil {
		return InboxStats{}, fmt.Errorf("find inbox stats: %w", err)
	}
	return st, nil
}

// UpdateTenantRetention sets how many days the tenant's notifications and
// requests are kept.
func (d *DB) UpdateTenantRetention(ctx context.Context, tenantID int64, days int) error {
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE tenants SET retention_days = $2 WHERE id = $1`, tenantID, days)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update retention of tenant %d: %w", tenantID, translate(err))
	}
	return nil
}

// DeleteExpiredBatch deletes up to n of the tenant's requests received
// before cutoff, with their notifications, in one short transaction, and
// says how many of each went.
//
// A request that a kept repeat points at stays until that repeat is old
// enough too (repeats come within a day of their original), so nothing
// kept ever points at a deleted row. Repeats go before their originals:
// an original is taken only once no repeat points at it, so calling this
// until it deletes nothing removes everything that is old.
func (d *DB) DeleteExpiredBatch(
	ctx context.Context, tenantID int64, cutoff time.Time, n int,
) (notifications, requests int64, err error) {
	err = d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT h.id FROM hook_requests h
			WHERE h.tenant_id = $1 AND h.received_at < $2
			  AND NOT EXISTS (
			      SELECT 1 FROM hook_requests r
			      WHERE r.tenant_id = $1 AND r.repeat_of = h.id)
			ORDER BY h.id
			LIMIT $3`, tenantID, cutoff, n)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		tag, err := tx.Exec(ctx, `
			DELETE FROM notifications WHERE tenant_id = $1 AND request_id = ANY($2)`,
			tenantID, ids)
		if err != nil {
			return err
		}
		notifications = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `
			DELETE FROM hook_requests WHERE tenant_id = $1 AND id = ANY($2)`, tenantID, ids)
		requests = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("delete expired records of tenant %d: %w", tenantID, err)
	}
	return notifications, requests, nil
}
