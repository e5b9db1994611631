// Package localpg runs a private PostgreSQL cluster for development, in a
// directory of the project, with the machine's PostgreSQL server binaries.
package localpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultPort is the port of the private cluster when Ensure gets 0, away
// from the 5432 of a system cluster.
const DefaultPort = 54329

// Database is the database Ensure creates for Citylink.
const Database = "citylink"

// ErrNoBinaries means that initdb and pg_ctl were found neither under
// /usr/lib/postgresql nor on PATH.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: " +
	"install Debian's postgresql package (apt-get install postgresql), or set DATABASE_URL")

// ErrUnreachable means that the server's OS user (postgres, when Citylink
// runs as root) cannot reach the cluster's directory.
var ErrUnreachable = errors.New("localpg: directory out of the server's reach")

// AdminURL is the URL of the maintenance database of the cluster on port.
func AdminURL(port int) string {
	return dbURL(port, "postgres")
}

func dbURL(port int, database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, database)
}

// Ensure starts the private cluster kept in dir, creating it first when
// needed, or reuses it when it runs already, and returns the URL of its
// database [Database], created when missing. The cluster listens on
// 127.0.0.1:port (0 means [DefaultPort]) and on a unix socket in dir, and
// trusts local connections as the user postgres. When running as root,
// the server runs as the operating system user postgres, since PostgreSQL
// refuses to run as root. logf, which may be nil, hears of each step.
func Ensure(ctx context.Context, dir string, port int, logf func(string, ...any)) (string, error) {
	if port == 0 {
		port = DefaultPort
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}

	c, err := newCluster(dir)
	if err != nil {
		return "", err
	}
	if err := c.init(ctx, logf); err != nil {
		return "", err
	}
	if err := c.start(ctx, port, logf); err != nil {
		return "", err
	}
	if err := createDatabase(ctx, port); err != nil {
		return "", err
	}
	return dbURL(port, Database), nil
}

// Stop stops the cluster kept in dir, if it runs.
func Stop(ctx context.Context, dir string) error {
	c, err := newCluster(dir)
	if err != nil {
		return err
	}
	if running, _ := c.running(ctx); !running {
		return nil
	}
	if out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.data, "-m", "fast", "-w"); err != nil {
		return fmt.Errorf("localpg: stop: %w: %s", err, out)
	}
	return nil
}

// cluster is one private cluster: its directory and the way to run its
// binaries.
type cluster struct {
	dir  string // holds data/, the socket and postgres.log
	data string
	bin  string // the directory of initdb, pg_ctl and postgres
	as   *user.User
}

func newCluster(dir string) (*cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	c := &cluster{dir: abs, data: filepath.Join(abs, "data")}

	// A cluster made by an older major version needs that version's binaries.
	version, _ := os.ReadFile(filepath.Join(c.data, "PG_VERSION"))
	c.bin, err = findBinaries(strings.TrimSpace(string(version)))
	if err != nil {
		return nil, err
	}

	if os.Geteuid() == 0 {
		c.as, err = user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("localpg: running as root needs the postgres user: %w", err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			return nil, fmt.Errorf("localpg: running as root needs runuser: %w", err)
		}
	}
	return c, nil
}

// findBinaries returns the directory with initdb and pg_ctl: Debian's
// /usr/lib/postgresql/VERSION/bin for the given major version, or the
// newest when version is empty; else the directory on PATH.
func findBinaries(version string) (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	if version != "" {
		dirs = []string{filepath.Join("/usr/lib/postgresql", version, "bin")}
	}
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}

	initdb, err := exec.LookPath("initdb")
	if err != nil {
		return "", ErrNoBinaries
	}
	if _, err := exec.LookPath("pg_ctl"); err != nil {
		return "", ErrNoBinaries
	}
	return filepath.Dir(initdb), nil
}

func majorOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// run runs one of the cluster's binaries, as postgres when we are root, and
// returns its output.
func (c *cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	path := filepath.Join(c.bin, name)
	cmd := exec.CommandContext(ctx, path, args...)
	if c.as != nil {
		runuser := append([]string{"-u", c.as.Username, "--", path}, args...)
		cmd = exec.CommandContext(ctx, "runuser", runuser...)
	}
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// init creates the directory and the cluster in it, unless it exists.
func (c *cluster) init(ctx context.Context, logf func(string, ...any)) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if c.as != nil {
		if err := c.handOver(); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(c.data, "PG_VERSION")); err == nil {
		return nil
	}

	logf("creating a private PostgreSQL cluster in %s", c.dir)
	out, err := c.run(ctx, "initdb", "-D", c.data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale")
	if err != nil {
		return fmt.Errorf("localpg: initdb: %w: %s", err, out)
	}

	// The settings that change from run to run live in a file of their own,
	// rewritten before each start.
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	_, err = f.WriteString("\ninclude_if_exists = 'citylink.conf'\n")
	return errors.Join(err, f.Close())
}

// handOver gives the directory to the postgres user and checks that this
// user can reach it: every directory above must let it pass.
func (c *cluster) handOver() error {
	uid, _ := strconv.Atoi(c.as.Uid)
	gid, _ := strconv.Atoi(c.as.Gid)
	if err := os.Chown(c.dir, uid, gid); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}

	for d := filepath.Dir(c.dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%w: the postgres user cannot reach %s: %s is not searchable "+
				"by others (chmod o+x %s, or keep the project somewhere else)", ErrUnreachable, c.dir, d, d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// running reports whether the cluster runs, and on which port.
func (c *cluster) running(ctx context.Context) (bool, int) {
	if _, err := c.run(ctx, "pg_ctl", "status", "-D", c.data); err != nil {
		return false, 0
	}

	// The fourth line of postmaster.pid is the port.
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return true, 0
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return true, 0
	}
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	return true, port
}

// start starts the cluster on port unless it runs already.
func (c *cluster) start(ctx context.Context, port int, logf func(string, ...any)) error {
	if running, at := c.running(ctx); running {
		if at != port {
			return fmt.Errorf("localpg: the cluster in %s runs on port %d, not %d", c.dir, at, port)
		}
		logf("reusing the PostgreSQL cluster in %s on port %d", c.dir, port)
		return nil
	}

	// A unix socket path is limited to 107 bytes.
	if socket := filepath.Join(c.dir, ".s.PGSQL."+strconv.Itoa(port)); len(socket) > 107 {
		return fmt.Errorf("localpg: the socket path %s is too long for unix sockets", socket)
	}

	conf := fmt.Sprintf("port = %d\n"+
		"listen_addresses = '127.0.0.1'\n"+
		"unix_socket_directories = '%s'\n",
		port, strings.ReplaceAll(c.dir, "'", "''"))
	confPath := filepath.Join(c.data, "citylink.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}

	logFile := filepath.Join(c.dir, "postgres.log")
	logf("starting PostgreSQL on 127.0.0.1:%d (log in %s)", port, logFile)
	out, err := c.run(ctx, "pg_ctl", "start", "-D", c.data, "-l", logFile, "-w", "-t", "60")
	if err != nil {
		return fmt.Errorf("localpg: start: %w: %s", err, out)
	}
	return nil
}

// createDatabase creates [Database] unless it exists.
func createDatabase(ctx context.Context, port int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	conn, err := pgx.Connect(ctx, AdminURL(port))
	if err != nil {
		return fmt.Errorf("localpg: connect: %w", err)
	}
	defer conn.Close(ctx)

	var exists bool
	err = conn.QueryRow(ctx,
		`SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, Database).Scan(&exists)
	if err != nil {
		return fmt.Errorf("localpg: find database: %w", err)
	}
	if exists {
		return nil
	}

	_, err = conn.Exec(ctx, `CREATE DATABASE `+Database)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" {
		// Another process created it meanwhile.
		return nil
	}
	if err != nil {
		return fmt.Errorf("localpg: create database: %w", err)
	}
	return nil
}
