package db_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"

	"citylink/db"
	"citylink/db/dbtest"
)

// The text search runs in a function with a policy of its own; it must
// still keep to the tenant of the transaction.
func TestFindNotifications_SearchKeepsToTenant(t *testing.T) {
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	d := dbtest.Open(t, dbURL)
	a := dbtest.MustCreateTenant(t, d, "alpha")
	b := dbtest.MustCreateTenant(t, d, "beta")
	for _, tn := range []db.Tenant{a, b} {
		_, err := d.CreateDelivery(ctx, db.HookRequest{TenantID: tn.ID},
			[]db.NewNotification{{Type: "generic", Data: json.RawMessage(`"Toyota lead"`)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	ns, err := d.FindNotifications(ctx, a.ID, db.NotificationFilter{Query: "toyota"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].TenantID != a.ID {
		t.Errorf("got %+v, want alpha's one notification", ns)
	}

	// Called directly without a tenant, the function finds nothing.
	withTx(t, d.Pool, 0, func(tx pgx.Tx) {
		var n int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM citylink_search_notifications(
			'%toyota%', NULL, NULL, NULL, false, true, NULL, 100)`).Scan(&n)
		if err != nil || n != 0 {
			t.Errorf("without a tenant: got %d (%v), want 0", n, err)
		}
	})
	withTx(t, d.Pool, b.ID, func(tx pgx.Tx) {
		var n int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM citylink_search_notifications(
			'%toyota%', NULL, NULL, NULL, false, true, NULL, 100)`).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("in beta: got %d (%v), want 1", n, err)
		}
	})
}
