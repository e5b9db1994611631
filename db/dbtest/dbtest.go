// Package dbtest gives each test a fresh, migrated Postgres database.
//
// Databases are cloned by pgtestdb from a template migrated once per schema
// version, so a new one costs milliseconds. They belong to the role
// citylink_test, which owns the tables like a production migration role
// would, and which may become citylink_app as the application does.
package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb opens
	"github.com/peterldowns/pgtestdb"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"citylink/db"
	"citylink/migrations"
)

// DefaultAdminURL is the cluster used when CITYLINK_TEST_DATABASE_URL is
// unset. Its role must be able to create databases and roles.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// SecretKey is the fixed CITYLINK_SECRET_KEY of test databases, for tests
// that start the real binary against a URL from [URL].
const SecretKey = "test:Y2l0eWxpbmstdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE="

// searchRole is the role migration 0003 runs the text search as.
const searchRole = "citylink_search"

// The owner of the test databases. Trust authentication is assumed, but
// pgtestdb wants a password all the same.
const (
	testRole     = "citylink_test"
	testPassword = "citylink_test"
)

// New returns an open handle on a fresh migrated database, closed when the
// test ends. When Postgres is unreachable the test is skipped, or fails
// when CI=true, since a skipped database test must not pass CI.
func New(tb testing.TB) *db.DB {
	tb.Helper()
	return Open(tb, URL(tb))
}

// URL returns the URL of a fresh migrated database, dropped when the test
// ends. Pass it to the real binary with [SecretKey].
func URL(tb testing.TB) string {
	tb.Helper()
	admin := adminConfig(tb)
	conf := pgtestdb.Custom(tb, admin, migrator{})
	return conf.URL()
}

// Open opens url with the test keyring and closes it when the test ends.
func Open(tb testing.TB, url string) *db.DB {
	tb.Helper()
	keys, err := db.ParseKeyring(SecretKey, "")
	if err != nil {
		tb.Fatalf("test keyring: %v", err)
	}
	d, err := db.Open(context.Background(), url, keys)
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(d.Close)
	return d
}

// AdminURL returns the URL of the cluster's administrative database.
func AdminURL() string {
	if u := os.Getenv("CITYLINK_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// prepared remembers, per test binary, whether the cluster is reachable and
// its roles are ready.
var prepared struct {
	once sync.Once
	err  error
}

// adminConfig checks the cluster once, prepares the roles and returns the
// pgtestdb configuration, or ends the test when there is no cluster.
func adminConfig(tb testing.TB) pgtestdb.Config {
	tb.Helper()
	u, err := url.Parse(AdminURL())
	if err != nil {
		tb.Fatalf("CITYLINK_TEST_DATABASE_URL: %v", err)
	}

	prepared.once.Do(func() { prepared.err = prepareCluster(AdminURL()) })
	if prepared.err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("postgres for tests: %v", prepared.err)
		}
		tb.Skipf("postgres for tests unavailable (see CITYLINK_TEST_DATABASE_URL): %v",
			prepared.err)
	}

	password, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	return pgtestdb.Config{
		DriverName: "pgx",
		Host:       u.Hostname(),
		Port:       port,
		User:       u.User.Username(),
		Password:   password,
		Database:   u.Path[1:],
		Options:    u.RawQuery,
		TestRole: &pgtestdb.Role{
			Username:     testRole,
			Password:     testPassword,
			Capabilities: "NOSUPERUSER NOCREATEDB NOCREATEROLE",
		},
		// A test that starts the real binary may leave it a moment behind.
		ForceTerminateConnections: true,
	}
}

// prepareCluster creates the cluster-wide roles before pgtestdb would: the
// application role and the search role (migration 0003), and the owner of
// the test databases as a member of both (of the search role through the
// NOINHERIT role citylink_search_keeper, as migration 0003 explains).
// The migrations would create citylink_app themselves, but a role that has
// no CREATEROLE could not; doing it here as the administrator lets the test
// owner be as unprivileged as a production one. Concurrent test binaries
// are serialised by an advisory lock.
func prepareCluster(adminURL string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)

	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('citylink dbtest roles'))`)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, fmt.Sprintf(`
			DO $$
			BEGIN
				IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN
					CREATE ROLE %[1]s NOLOGIN NOSUPERUSER NOBYPASSRLS;
				END IF;
				IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[2]s') THEN
					CREATE ROLE %[2]s LOGIN PASSWORD '%[3]s' NOSUPERUSER NOCREATEDB NOCREATEROLE;
				END IF;
				IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[4]s') THEN
					CREATE ROLE %[4]s NOLOGIN NOSUPERUSER NOBYPASSRLS;
				END IF;
				IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[4]s_keeper') THEN
					CREATE ROLE %[4]s_keeper NOLOGIN NOINHERIT;
				END IF;
				GRANT %[1]s TO %[2]s;
				GRANT %[4]s TO %[4]s_keeper;
				GRANT %[4]s_keeper TO %[2]s;
			END
			$$`, db.AppRole, testRole, testPassword, searchRole))
		return err
	})
}

// migrator lets pgtestdb build its template with db.Migrate.
type migrator struct{}

// Hash names the schema: Citylink's migration files and River's, so that
// a River upgrade builds a new template too.
func (migrator) Hash() (string, error) {
	h := sha256.New()

	// River's migrator reads its bundled files without touching the pool.
	river, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return "", fmt.Errorf("hash river migrations: %w", err)
	}
	for _, m := range river.AllVersions() {
		fmt.Fprintf(h, "river %d\n%s\n", m.Version, m.SQLUp)
	}

	err = fs.WalkDir(migrations.FS, ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Migrate migrates the template database pgtestdb has just created.
func (migrator) Migrate(ctx context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	return db.Migrate(ctx, conf.URL(), true)
}

// MustCreateTenant creates a tenant named after its slug.
func MustCreateTenant(tb testing.TB, d *db.DB, slug string) db.Tenant {
	tb.Helper()
	t, err := d.CreateTenant(context.Background(), slug, "Tenant "+slug)
	if err != nil {
		tb.Fatalf("create tenant %q: %v", slug, err)
	}
	return t
}

// MustCreateUser creates a user with an already hashed password (package
// web owns the hashing).
func MustCreateUser(tb testing.TB, d *db.DB, email, passwordHash string) db.User {
	tb.Helper()
	u, err := d.CreateUser(context.Background(), email, passwordHash)
	if err != nil {
		tb.Fatalf("create user %q: %v", email, err)
	}
	return u
}

// MustAddMember gives the user the role in the tenant.
func MustAddMember(tb testing.TB, d *db.DB, tenantID, userID int64, role string) {
	tb.Helper()
	if err := d.UpsertMembership(context.Background(), tenantID, userID, role); err != nil {
		tb.Fatalf("add user %d to tenant %d as %s: %v", userID, tenantID, role, err)
	}
}
