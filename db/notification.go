package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification is one message of a delivery from the platform.
type Notification struct {
	TenantID   int64
	ID         int64
	RequestID  int64 // the hook request that carried it
	Position   int   // its index in the delivery's messages
	Type       string
	Data       json.RawMessage
	ReceivedAt time.Time
	RepeatOf   *int64 // the same message of the delivery this one re-sends
	ReadAt     *time.Time
	ReadBy     *int64
	// ReadByEmail is the email of the user who marked it read, if any.
	ReadByEmail string
}

// NotificationFilter selects notifications, newest first (by id).
// Query matches the type or any text in the data, without case. Repeats
// are left out unless WithRepeats. BeforeID continues a page.
type NotificationFilter struct {
	Type        string
	Query       string
	From, To    *time.Time // received at From or later, and before To
	Unread      bool
	WithRepeats bool
	BeforeID    int64
	Limit       int
}

// FindNotifications returns the tenant's notifications matching f.
func (d *DB) FindNotifications(
	ctx context.Context, tenantID int64, f NotificationFilter,
) ([]Notification, error) {
	c := tenantConds(tenantID)
	if f.Type != "" {
		c.add("type = $%d", f.Type)
	}
	if f.From != nil {
		c.add("received_at >= $%d", *f.From)
	}
	if f.To != nil {
		c.add("received_at < $%d", *f.To)
	}
	if f.Unread {
		c.sql = append(c.sql, "read_at IS NULL")
	}
	if !f.WithRepeats {
		c.sql = append(c.sql, "repeat_of IS NULL")
	}
	if f.BeforeID > 0 {
		c.add("id < $%d", f.BeforeID)
	}
	if f.Query != "" {
		searchCond(c, f)
	}

	ns, err := d.findNotifications(ctx, tenantID, c, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("find notifications: %w", err)
	}
	return ns, nil
}

// searchCond limits c to the notifications that the search function
// finds with all of f's conditions; migration 0003 says why the search
// runs there. The other conditions stay in c too, as the second wall.
func searchCond(c *conds, f NotificationFilter) {
	var typ *string
	if f.Type != "" {
		typ = &f.Type
	}
	var before *int64
	if f.BeforeID > 0 {
		before = &f.BeforeID
	}
	c.sql = append(c.sql, fmt.Sprintf(
		"id IN (SELECT citylink_search_notifications(%s, %s, %s, %s, %s, %s, %s, %s))",
		c.arg(likePattern(f.Query)), c.arg(typ), c.arg(f.From), c.arg(f.To), c.arg(f.Unread),
		c.arg(f.WithRepeats), c.arg(before), c.arg(limit(f.Limit))))
}

// FindNotificationByID returns one notification of the tenant.
func (d *DB) FindNotificationByID(ctx context.Context, tenantID, id int64) (Notification, error) {
	c := tenantConds(tenantID)
	c.add("id = $%d", id)
	x, err := only(d.findNotifications(ctx, tenantID, c, 1))
	if err != nil {
		return Notification{}, fmt.Errorf("find notification %d: %w", id, err)
	}
	return x, nil
}

func (d *DB) findNotifications(
	ctx context.Context, tenantID int64, c *conds, n int,
) ([]Notification, error) {
	sql := `
		SELECT tenant_id, id, request_id, position, type, data, received_at, repeat_of,
		       read_at, read_by,
		       coalesce((SELECT email FROM users WHERE id = read_by), '') AS read_by_email
		FROM notifications
		WHERE ` + c.where() + `
		ORDER BY id DESC
		LIMIT ` + c.limit(n)
	var ns []Notification
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, sql, c.args...)
		var err error
		ns, err = pgx.CollectRows(rows, pgx.RowToStructByName[Notification])
		return err
	})
	return ns, err
}

// FindNotificationTypes returns the distinct types the tenant has received,
// sorted, for the filter on the notifications page.
func (d *DB) FindNotificationTypes(ctx context.Context, tenantID int64) ([]string, error) {
	var types []string
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		// A skip scan: one index probe per distinct type, rather than a
		// read of every row, which a million notifications make slow.
		rows, _ := tx.Query(ctx, `
			WITH RECURSIVE types AS (
			    (SELECT type FROM notifications WHERE tenant_id = $1 ORDER BY type LIMIT 1)
			    UNION ALL
			    SELECT (SELECT n.type FROM notifications n
			            WHERE n.tenant_id = $1 AND n.type > types.type
			            ORDER BY n.type LIMIT 1)
			    FROM types WHERE types.type IS NOT NULL
			)
			SELECT type FROM types WHERE type IS NOT NULL`, tenantID)
		var err error
		types, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find notification types: %w", err)
	}
	return types, nil
}
