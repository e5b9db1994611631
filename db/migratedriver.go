package db

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/jackc/pgx/v5"
)

// migrateConn is a golang-migrate database driver over one pgx connection.
//
// TODO: golang-migrate's own database/pgx/v5 driver needs the module
// github.com/jackc/pgerrcode, which go.mod does not require yet. Once it
// does, this small driver can give way to that one: both keep the same
// schema_migrations table (version bigint, dirty boolean).
type migrateConn struct {
	ctx  context.Context
	conn *pgx.Conn
}

// migrateLockKey is the advisory lock that serialises concurrent migrations
// of one database (advisory locks are per database).
const migrateLockKey = 0x63697479_6c696e6b // "citylink"

var _ database.Driver = (*migrateConn)(nil)

// newMigrateConn connects to url and makes sure the version table exists.
func newMigrateConn(ctx context.Context, url string) (*migrateConn, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}

	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version bigint PRIMARY KEY,
		dirty   boolean NOT NULL
	)`)
	if err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	return &migrateConn{ctx: ctx, conn: conn}, nil
}

// Open is part of database.Driver; Citylink passes its driver as an
// instance and never opens one by URL.
func (m *migrateConn) Open(string) (database.Driver, error) {
	return nil, errors.New("open by url is not supported")
}

// Close closes the connection.
func (m *migrateConn) Close() error {
	return m.conn.Close(m.ctx)
}

// Lock waits for the migration lock of this database.
func (m *migrateConn) Lock() error {
	_, err := m.conn.Exec(m.ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLockKey))
	return err
}

// Unlock releases the migration lock.
func (m *migrateConn) Unlock() error {
	_, err := m.conn.Exec(m.ctx, `SELECT pg_advisory_unlock($1)`, int64(migrateLockKey))
	return err
}

// Run executes one migration file. Without arguments pgx uses the simple
// protocol, so a file may hold many statements, and they run as one
// implicit transaction.
func (m *migrateConn) Run(migration io.Reader) error {
	sql, err := io.ReadAll(migration)
	if err != nil {
		return err
	}
	_, err = m.conn.Exec(m.ctx, string(sql))
	return err
}

// SetVersion records the schema version, replacing the previous one.
func (m *migrateConn) SetVersion(version int, dirty bool) error {
	return pgx.BeginFunc(m.ctx, m.conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(m.ctx, `DELETE FROM schema_migrations`); err != nil {
			return err
		}

		// A failed first down migration leaves NilVersion dirty, and that
		// must be remembered too.
		if version < 0 && !dirty {
			return nil
		}
		_, err := tx.Exec(m.ctx,
			`INSERT INTO schema_migrations (version, dirty) VALUES ($1, $2)`, version, dirty)
		return err
	})
}

// Version reports the recorded version, or database.NilVersion.
func (m *migrateConn) Version() (int, bool, error) {
	var version int
	var dirty bool
	err := m.conn.QueryRow(m.ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).
		Scan(&version, &dirty)
	if errors.Is(err, pgx.ErrNoRows) {
		return database.NilVersion, false, nil
	}
	return version, dirty, err
}

// Drop is part of database.Driver. Citylink migrates down instead of
// dropping everything in the schema.
func (m *migrateConn) Drop() error {
	return errors.New("drop is not supported: migrate down instead")
}
