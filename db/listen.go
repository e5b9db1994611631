package db

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// deliveriesChannel is the LISTEN/NOTIFY channel on which a committed
// delivery announces its tenant id.
const deliveriesChannel = "citylink_deliveries"

// ListenDeliveries calls fn with the tenant id of every delivery with
// messages that any Citylink process commits, until ctx ends or the
// connection is lost; it always returns an error saying which. Postgres
// sends a notification only when its transaction commits, so fn never
// hears of a delivery that was rolled back.
func (d *DB) ListenDeliveries(ctx context.Context, fn func(tenantID int64)) error {
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("listen for deliveries: %w", err)
	}

	// The connection leaves the pool for good, so that its LISTEN never
	// serves anyone else.
	pc := conn.Hijack()
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pc.Close(closeCtx)
	}()

	if _, err := pc.Exec(ctx, "LISTEN "+deliveriesChannel); err != nil {
		return fmt.Errorf("listen for deliveries: %w", err)
	}
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("listen for deliveries: %w", err)
		}
		if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			fn(id)
		}
	}
}
