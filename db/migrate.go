package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"citylink/migrations"
)

// Migrate brings the schema at url fully up (Citylink's migrations, then
// River's) or fully down (Citylink's, then River's). It connects as the
// role in url, without switching to [AppRole]: the migrating role owns the
// tables.
func Migrate(ctx context.Context, url string, up bool) error {
	if up {
		if err := migrateOurs(ctx, url, true); err != nil {
			return err
		}
		return migrateRiver(ctx, url, rivermigrate.DirectionUp)
	}

	if err := migrateOurs(ctx, url, false); err != nil {
		return err
	}
	return migrateRiver(ctx, url, rivermigrate.DirectionDown)
}

// migrateOurs applies the embedded files of package migrations.
func migrateOurs(ctx context.Context, url string, up bool) (err error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return fmt.Errorf("migrate: read migrations: %w", err)
	}
	config, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// The driver closes this handle with the migrator, below.
	sqlDB := stdlib.OpenDB(*config)
	driver, err := pgxmigrate.WithInstance(sqlDB, &pgxmigrate.Config{})
	if err != nil {
		sqlDB.Close()
		return fmt.Errorf("migrate: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "citylink", driver)
	if err != nil {
		return errors.Join(fmt.Errorf("migrate: %w", err), driver.Close())
	}
	defer func() {
		srcErr, dbErr := m.Close()
		if err == nil {
			err = errors.Join(srcErr, dbErr)
		}
	}()

	if up {
		err = m.Up()
	} else {
		err = m.Down()
	}
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrateRiver applies River's own migrations, and on the way up grants the
// application role what River's client needs on River's tables.
func migrateRiver(ctx context.Context, url string, dir rivermigrate.Direction) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	defer pool.Close()

	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	opts := &rivermigrate.MigrateOpts{}
	if dir == rivermigrate.DirectionDown {
		opts.TargetVersion = -1
	}
	if _, err := m.Migrate(ctx, dir, opts); err != nil {
		return fmt.Errorf("migrate river %s: %w", dir, err)
	}

	if dir == rivermigrate.DirectionUp {
		return grantRiver(ctx, pool)
	}
	return nil
}

// grantRiver grants citylink_app the use of every River table and sequence
// in the current schema. River names them all river_*, and a later River
// version may add some, so they are found rather than listed.
func grantRiver(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `
		DO $$
		DECLARE
			r record;
		BEGIN
			FOR r IN
				SELECT c.oid::regclass AS name, c.relkind
				FROM pg_class c
				WHERE c.relnamespace = current_schema()::regnamespace
				  AND c.relname LIKE 'river\_%'
				  AND c.relkind IN ('r', 'p', 'S')
			LOOP
				IF r.relkind = 'S' THEN
					EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %s TO citylink_app', r.name);
				ELSE
					EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO citylink_app', r.name);
				END IF;
			END LOOP;
		END
		$$`)
	if err != nil {
		return fmt.Errorf("migrate river: grant %s: %w", AppRole, err)
	}
	return nil
}
