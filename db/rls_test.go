package db_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"citylink/db"
	"citylink/db/dbtest"
)

// tenantTables are every table with row-level security, and the column
// that names the tenant in each.
var tenantTables = map[string]string{
	"tenants":              "id",
	"memberships":          "tenant_id",
	"platform_credentials": "tenant_id",
	"hook_requests":        "tenant_id",
	"notifications":        "tenant_id",
	"command_attempts":     "tenant_id",
	"audit_events":         "tenant_id",
	"invites":              "tenant_id",
	"command_templates":    "tenant_id",
	"handshake_follow_ups": "tenant_id",
	"command_rate":         "tenant_id",
}

// seedTenant gives a tenant a row in every tenant table.
func seedTenant(tb testing.TB, d *db.DB, slug string) db.Tenant {
	tb.Helper()
	ctx := context.Background()
	tn := dbtest.MustCreateTenant(tb, d, slug)
	u := dbtest.MustCreateUser(tb, d, "staff@"+slug+".test", "h")
	dbtest.MustAddMember(tb, d, tn.ID, u.ID, "owner")

	msgs := []db.NewNotification{{Type: "generic", Data: json.RawMessage(`"hi"`)}}
	if _, err := d.CreateDelivery(ctx, delivery(tn.ID, "h", time.Now()), msgs); err != nil {
		tb.Fatalf("seed delivery: %v", err)
	}
	_, err := d.CreateCommandAttempt(ctx, db.CommandAttempt{TenantID: tn.ID, Command: "x", Outcome: "ok"})
	if err != nil {
		tb.Fatalf("seed command: %v", err)
	}
	err = d.CreateAuditEvent(ctx, db.AuditEvent{TenantID: tn.ID, ActorKind: "system", Action: "seed"})
	if err != nil {
		tb.Fatalf("seed audit: %v", err)
	}
	if _, _, err := d.CreateInvite(ctx, tn.ID, "new@"+slug+".test", "viewer", u.ID); err != nil {
		tb.Fatalf("seed invite: %v", err)
	}
	_, err = d.CreateCommandTemplate(ctx, db.CommandTemplate{TenantID: tn.ID, Name: "t", Command: "x"})
	if err != nil {
		tb.Fatalf("seed template: %v", err)
	}
	err = d.UpsertHandshakeFollowUp(ctx, db.HandshakeFollowUp{TenantID: tn.ID, State: "pending"})
	if err != nil {
		tb.Fatalf("seed follow-up: %v", err)
	}
	if _, err := d.TakeCommandToken(ctx, tn.ID, 10); err != nil {
		tb.Fatalf("seed command rate: %v", err)
	}
	return tn
}

// countRows counts a table's rows as q sees them, in total and of tenant.
func countRows(tb testing.TB, q pgx.Tx, table string, tenantID int64) (all, ofTenant int) {
	tb.Helper()
	col := tenantTables[table]
	sql := `SELECT count(*), count(*) FILTER (WHERE ` + col + ` = $1) FROM ` + table
	err := q.QueryRow(context.Background(), sql, tenantID).Scan(&all, &ofTenant)
	if err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return all, ofTenant
}

// withTx runs fn in a transaction of conn (a pool or a connection), with
// the tenant setting when tenantID is not zero, and rolls it back.
func withTx(tb testing.TB, conn interface {
	Begin(context.Context) (pgx.Tx, error)
}, tenantID int64, fn func(tx pgx.Tx)) {
	tb.Helper()
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		tb.Fatalf("begin: %v", err)
	}
	defer tx.Rollback(ctx)
	if tenantID != 0 {
		_, err := tx.Exec(ctx, `SELECT set_config('citylink.tenant_id', $1::bigint::text, true)`, tenantID)
		if err != nil {
			tb.Fatalf("set tenant: %v", err)
		}
	}
	fn(tx)
}

func TestRLS(t *testing.T) {
	dbURL := dbtest.URL(t)
	d := dbtest.Open(t, dbURL)
	a := seedTenant(t, d, "alpha")
	b := seedTenant(t, d, "bravo")

	t.Run("TenantUnset", func(t *testing.T) {
		withTx(t, d.Pool, 0, func(tx pgx.Tx) {
			for table := range tenantTables {
				if all, _ := countRows(t, tx, table, a.ID); all != 0 {
					t.Errorf("%s: got %d rows, want 0", table, all)
				}
			}
		})
	})
	t.Run("TenantSet", func(t *testing.T) {
		withTx(t, d.Pool, a.ID, func(tx pgx.Tx) {
			for table := range tenantTables {
				all, ofA := countRows(t, tx, table, a.ID)
				if all == 0 || all != ofA {
					t.Errorf("%s: got %d rows of which %d of A, want only A's and some", table, all, ofA)
				}
			}
		})
	})
	t.Run("WriteOtherTenant", func(t *testing.T) {
		withTx(t, d.Pool, a.ID, func(tx pgx.Tx) {
			_, err := tx.Exec(context.Background(), `
				INSERT INTO hook_requests (tenant_id, outcome) VALUES ($1, 'accepted')`, b.ID)
			if err == nil || !strings.Contains(err.Error(), "row-level security") {
				t.Errorf("got %v, want a row-level security violation", err)
			}
		})
		withTx(t, d.Pool, a.ID, func(tx pgx.Tx) {
			tag, err := tx.Exec(context.Background(),
				`UPDATE tenants SET name = 'taken' WHERE id = $1`, b.ID)
			if err != nil || tag.RowsAffected() != 0 {
				t.Errorf("got %v rows, %v, want 0 rows", tag.RowsAffected(), err)
			}
		})
	})
	t.Run("SuperuserURL", func(t *testing.T) {
		// Even connected as a superuser, the pool works as citylink_app.
		su := dbtest.Open(t, adminURLFor(t, dbURL))
		withTx(t, su.Pool, 0, func(tx pgx.Tx) {
			if all, _ := countRows(t, tx, "hook_requests", a.ID); all != 0 {
				t.Errorf("got %d rows, want 0", all)
			}
		})
	})
	t.Run("OwnerWithoutAppRole", func(t *testing.T) {
		// The owner, connected without SET ROLE, reads the tenant directory
		// for the lookup functions but, forced under the policies, nothing
		// else outside a tenant.
		conn := connect(t, dbURL)
		withTx(t, conn, 0, func(tx pgx.Tx) {
			if all, _ := countRows(t, tx, "tenants", a.ID); all != 2 {
				t.Errorf("tenants: got %d, want 2", all)
			}
			for _, table := range []string{"platform_credentials", "hook_requests", "notifications",
				"command_attempts", "audit_events"} {
				if all, _ := countRows(t, tx, table, a.ID); all != 0 {
					t.Errorf("%s: got %d rows, want 0", table, all)
				}
			}
		})
	})
}

// TestRLS_Catalogue reads the schema itself, so that a new tenant table
// cannot be forgotten: every table with a tenant_id column must be listed
// above, have row-level security enabled and forced, and lead its primary
// key with tenant_id.
func TestRLS_Catalogue(t *testing.T) {
	conn := connect(t, dbtest.URL(t))
	rows, err := conn.Query(context.Background(), `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       coalesce((SELECT a.attname FROM pg_index i
		                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
		                 WHERE i.indrelid = c.oid AND i.indisprimary), '')
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r'
		  AND (c.relname = 'tenants' OR EXISTS (SELECT FROM pg_attribute a
		       WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))`)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for rows.Next() {
		var name, keyFirst string
		var rls, forced bool
		if err := rows.Scan(&name, &rls, &forced, &keyFirst); err != nil {
			t.Fatal(err)
		}
		seen[name] = true
		col, listed := tenantTables[name]
		switch {
		case !listed:
			t.Errorf("%s holds tenant data but is not in the RLS tests' list", name)
		case !rls || !forced:
			t.Errorf("%s: row-level security enabled %v, forced %v; want both", name, rls, forced)
		case keyFirst != col:
			t.Errorf("%s: primary key starts with %q, want %q", name, keyFirst, col)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name := range tenantTables {
		if !seen[name] {
			t.Errorf("%s is listed but has no tenant column", name)
		}
	}
}

// TestRLS_OwnLoginRole connects the way production should: as a login role
// of the application's own, a member of citylink_app that neither owns the
// tables nor bypasses row-level security, while migrations run as the
// owner. Even after RESET ROLE such a connection sees no tenant's rows
// without the tenant setting, and cannot rewrite the audit.
func TestRLS_OwnLoginRole(t *testing.T) {
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	owner := dbtest.Open(t, dbURL)
	tn := seedTenant(t, owner, "alpha")

	admin := connect(t, dbtest.AdminURL())
	_, err := admin.Exec(ctx, `
		DO $$
		BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'citylink_web_test') THEN
				CREATE ROLE citylink_web_test LOGIN PASSWORD 'citylink_web_test'
					NOSUPERUSER NOBYPASSRLS IN ROLE citylink_app;
			END IF;
		END $$`)
	if err != nil {
		t.Fatalf("create login role: %v", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("citylink_web_test", "citylink_web_test")
	app := dbtest.Open(t, u.String())

	if got, err := app.FindTenantBySlug(ctx, "alpha"); err != nil || got.ID != tn.ID {
		t.Fatalf("find tenant as the login role: got %+v, %v", got, err)
	}
	if _, err := app.FindCredentials(ctx, tn.ID); err != nil {
		t.Fatalf("credentials as the login role: %v", err)
	}
	conn := connect(t, u.String())
	withTx(t, conn, 0, func(tx pgx.Tx) {
		if _, err := tx.Exec(ctx, `RESET ROLE`); err != nil {
			t.Fatal(err)
		}
		for table := range tenantTables {
			if all, _ := countRows(t, tx, table, tn.ID); all != 0 {
				t.Errorf("%s after RESET ROLE: got %d rows, want 0", table, all)
			}
		}
	})
	withTx(t, conn, tn.ID, func(tx pgx.Tx) {
		_, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE tenant_id = $1`, tn.ID)
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("delete audit as the login role: got %v, want permission denied", err)
		}
	})
}

func TestAudit_AppendOnly(t *testing.T) {
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	d := dbtest.Open(t, dbURL)
	tn := seedTenant(t, d, "alpha")

	statements := map[string]string{
		"Update": `UPDATE audit_events SET action = 'rewritten' WHERE tenant_id = $1`,
		"Delete": `DELETE FROM audit_events WHERE tenant_id = $1`,
	}
	for name, sql := range statements {
		t.Run("App"+name, func(t *testing.T) {
			withTx(t, d.Pool, tn.ID, func(tx pgx.Tx) {
				_, err := tx.Exec(ctx, sql, tn.ID)
				if err == nil || !strings.Contains(err.Error(), "permission denied") {
					t.Errorf("got %v, want permission denied", err)
				}
			})
		})
		t.Run("Owner"+name, func(t *testing.T) {
			withTx(t, connect(t, dbURL), tn.ID, func(tx pgx.Tx) {
				_, err := tx.Exec(ctx, sql, tn.ID)
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("got %v, want the append-only trigger", err)
				}
			})
		})
	}
	t.Run("OwnerTruncate", func(t *testing.T) {
		withTx(t, connect(t, dbURL), 0, func(tx pgx.Tx) {
			_, err := tx.Exec(ctx, `TRUNCATE audit_events`)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("got %v, want the append-only trigger", err)
			}
		})
	})

	es, err := d.FindAuditEvents(ctx, tn.ID, db.AuditFilter{})
	if err != nil || len(es) != 1 || es[0].Action != "seed" {
		t.Errorf("got %+v, %v, want the seed event untouched", es, err)
	}
}

// connect opens a plain connection, without the pool's SET ROLE, closed
// when the test ends.
func connect(tb testing.TB, dbURL string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// adminURLFor is the administrator's URL pointed at the database of dbURL.
func adminURLFor(tb testing.TB, dbURL string) string {
	tb.Helper()
	test, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("parse: %v", err)
	}
	admin, err := url.Parse(dbtest.AdminURL())
	if err != nil {
		tb.Fatalf("parse: %v", err)
	}
	admin.Path = test.Path
	return admin.String()
}
