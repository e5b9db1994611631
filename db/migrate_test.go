package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"citylink/db"
	"citylink/db/dbtest"
)

func TestMigrate_DownUp(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)

	if err := db.Migrate(ctx, url, false); err != nil {
		t.Fatalf("down: %v", err)
	}
	if n := countTables(t, url); n != 0 {
		t.Errorf("after down: got %d tables besides schema_migrations, want 0", n)
	}

	if err := db.Migrate(ctx, url, true); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if err := db.Migrate(ctx, url, true); err != nil {
		t.Fatalf("up when up to date: %v", err)
	}
	d := dbtest.Open(t, url)
	dbtest.MustCreateTenant(t, d, "after-down-up")
}

// countTables counts the tables of the public schema, the version table of
// golang-migrate left aside.
func countTables(tb testing.TB, url string) int {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)

	var n int
	err = conn.QueryRow(ctx, `
		SELECT count(*) FROM pg_tables
		WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`).Scan(&n)
	if err != nil {
		tb.Fatalf("count tables: %v", err)
	}
	return n
}

func TestOpen_AppRole(t *testing.T) {
	d := dbtest.New(t)
	var role string
	if err := d.Pool.QueryRow(context.Background(), `SELECT current_user`).Scan(&role); err != nil {
		t.Fatalf("query: %v", err)
	}
	if role != db.AppRole {
		t.Errorf("got role %q, want %q", role, db.AppRole)
	}
}
