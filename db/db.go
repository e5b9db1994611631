// Package db stores Citylink's records in Postgres: tenants and their staff,
// platform credentials (sealed), every request to a notification URL, the
// notifications, command attempts and the audit history.
//
// Two walls keep tenants apart. Every query on a tenant table names the
// tenant in its WHERE clause, and runs inside a transaction that sets
// citylink.tenant_id, which the row-level security policies of the schema
// read. The pool connects, then switches to the role citylink_app, which
// neither owns the tables nor bypasses those policies.
package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the database role the pool works as after connecting.
const AppRole = "citylink_app"

var (
	// ErrNotFound means that no row matched, in this tenant.
	ErrNotFound = errors.New("not found")
	// ErrConflict means that a row with the same unique key exists already.
	ErrConflict = errors.New("already exists")
	// ErrInvalid means that the database refused a value by a CHECK
	// constraint (a malformed slug, an unknown role or mode).
	ErrInvalid = errors.New("invalid value")
)

// DB is a pool of connections working as [AppRole], with the keyring that
// seals and opens the tenants' platform secrets.
type DB struct {
	Pool *pgxpool.Pool
	keys *Keyring
}

// Open connects to the database at url. Each new connection switches to
// [AppRole] when the connecting role may do so, so that even a superuser URL
// works under row-level security. keys may be nil for programs that never
// touch platform secrets.
func Open(ctx context.Context, url string, keys *Keyring) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	cfg.AfterConnect = useAppRole

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}

	d := &DB{Pool: pool, keys: keys}
	if err := d.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return d, nil
}

// useAppRole runs on every new connection. A role that is a member of
// citylink_app (a superuser always is) switches to it. A role that is not a
// member but bypasses row-level security is refused, since it would read
// across tenants. Any other role is already subject to the policies and is
// used as it is.
func useAppRole(ctx context.Context, conn *pgx.Conn) error {
	var member, bypasses bool
	err := conn.QueryRow(ctx, `
		SELECT coalesce(pg_has_role(r.oid, a.oid, 'MEMBER'), false),
		       r.rolsuper OR r.rolbypassrls
		FROM pg_roles r
		LEFT JOIN pg_roles a ON a.rolname = $1
		WHERE r.rolname = current_user`, AppRole).Scan(&member, &bypasses)
	if err != nil {
		return fmt.Errorf("check database role: %w", err)
	}

	switch {
	case member:
		if _, err := conn.Exec(ctx, "SET ROLE "+AppRole); err != nil {
			return fmt.Errorf("set role %s: %w", AppRole, err)
		}
	case bypasses:
		return fmt.Errorf("database role bypasses row-level security and cannot become %s "+
			"(run the migrations first, or grant %s to it)", AppRole, AppRole)
	}
	return nil
}

// Close closes every connection of the pool.
func (d *DB) Close() {
	d.Pool.Close()
}

// Ping checks that the database answers, for readiness probes.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.Pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// inTenant runs fn in a transaction whose row-level security setting is the
// given tenant. The setting is local to the transaction (set_config's third
// argument), so a pooled connection never carries it to the next user.
func (d *DB) inTenant(ctx context.Context, tenantID int64, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT set_config('citylink.tenant_id', $1, true)`,
			strconv.FormatInt(tenantID, 10))
		if err != nil {
			return fmt.Errorf("set tenant: %w", err)
		}
		return fn(tx)
	})
}

// translate turns the errors that callers decide on into this package's
// sentinels, keeping the driver's error in the chain for logs.
func translate(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}

	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case "23514":
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return err
}

// limit bounds the page size a filter asks for.
func limit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return n
}
