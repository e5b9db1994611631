package localpg_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"citylink/db"
	"citylink/db/localpg"
)

func TestEnsure(t *testing.T) {
	ctx := context.Background()

	// Not t.TempDir: its parent is private to us, and when the tests run as
	// root the server runs as postgres, which must reach the directory.
	dir, err := os.MkdirTemp("", "citylink-localpg-")
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("chmod: %v", err)
	}
	t.Cleanup(func() {
		if err := localpg.Stop(context.Background(), dir); err != nil {
			t.Errorf("stop: %v", err)
		}
		os.RemoveAll(dir)
	})
	port := freePort(t)

	url, err := localpg.Ensure(ctx, dir, port, t.Logf)
	if errors.Is(err, localpg.ErrNoBinaries) && os.Getenv("CI") != "true" {
		t.Skipf("no PostgreSQL server binaries: %v", err)
	}
	if err != nil {
		t.Fatalf("ensure: %v", err)
	}

	// A brand-new cluster has no citylink_app role yet: the migrations
	// create it, and the application can then work as it.
	if err := db.Migrate(ctx, url, true); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	d, err := db.Open(ctx, url, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	var role string
	err = d.Pool.QueryRow(ctx, `SELECT current_user`).Scan(&role)
	d.Close()
	if err != nil || role != db.AppRole {
		t.Errorf("got role %q, %v, want %q", role, err, db.AppRole)
	}

	t.Run("Reuse", func(t *testing.T) {
		again, err := localpg.Ensure(ctx, dir, port, t.Logf)
		if err != nil || again != url {
			t.Errorf("got %q, %v, want %q", again, err, url)
		}
	})
	t.Run("OtherPort", func(t *testing.T) {
		if _, err := localpg.Ensure(ctx, dir, freePort(t), t.Logf); err == nil {
			t.Errorf("got no error for a running cluster asked on another port")
		}
	})
	t.Run("Socket", func(t *testing.T) {
		dsn := "host=" + dir + " port=" + strconv.Itoa(port) + " user=postgres dbname=citylink"
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect through the socket in dir: %v", err)
		}
		conn.Close(ctx)
	})
	t.Run("AfterStop", func(t *testing.T) {
		if err := localpg.Stop(ctx, dir); err != nil {
			t.Fatalf("stop: %v", err)
		}
		again, err := localpg.Ensure(ctx, dir, port, t.Logf)
		if err != nil || again != url {
			t.Errorf("got %q, %v, want %q", again, err, url)
		}
	})
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestEnsure_Unreachable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the directory to the postgres user")
	}
	// t.TempDir's parent is private to root: postgres cannot pass it.
	dir := filepath.Join(t.TempDir(), "pg")
	_, err := localpg.Ensure(context.Background(), dir, freePort(t), t.Logf)
	if errors.Is(err, localpg.ErrNoBinaries) && os.Getenv("CI") != "true" {
		t.Skipf("no PostgreSQL server binaries: %v", err)
	}
	if err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("got %v, want an error saying postgres cannot reach the directory", err)
	}
}
