package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"citylink/db"
	"citylink/db/localpg"
)

// env is Citylink's configuration, read from the environment.
type env struct {
	DatabaseURL    string
	MigrateURL     string
	Addr           string
	MetricsAddr    string
	PublicURL      string
	Production     bool
	SecretKey      string
	OldSecretKeys  string
	DataDir        string
	HookBodyLimit  int64
	CommandTimeout time.Duration
	SecureCookies  bool
	LocalPGPort    int
	// AllowTargets is CITYLINK_ALLOW_TARGETS, parsed by runApp.
	AllowTargets string
	// TrustedProxies is CITYLINK_TRUSTED_PROXIES, parsed by runApp.
	TrustedProxies string
	CommandRate    int
}

func loadEnv() env {
	e := env{
		DatabaseURL:    os.Getenv("DATABASE_URL"),
		MigrateURL:     os.Getenv("CITYLINK_MIGRATE_DATABASE_URL"),
		Addr:           getenv("CITYLINK_ADDR", "127.0.0.1:8080"),
		MetricsAddr:    os.Getenv("CITYLINK_METRICS_ADDR"),
		PublicURL:      os.Getenv("CITYLINK_PUBLIC_URL"),
		Production:     os.Getenv("CITYLINK_ENV") == "production",
		SecretKey:      os.Getenv("CITYLINK_SECRET_KEY"),
		OldSecretKeys:  os.Getenv("CITYLINK_SECRET_KEY_OLD"),
		DataDir:        getenv("CITYLINK_DATA_DIR", ".citylink"),
		LocalPGPort:    54329,
		AllowTargets:   os.Getenv("CITYLINK_ALLOW_TARGETS"),
		TrustedProxies: os.Getenv("CITYLINK_TRUSTED_PROXIES"),
	}
	if n, err := strconv.Atoi(os.Getenv("CITYLINK_COMMAND_RATE")); err == nil && n > 0 {
		e.CommandRate = n
	}
	if n, err := strconv.ParseInt(os.Getenv("CITYLINK_HOOK_BODY_LIMIT"), 10, 64); err == nil && n > 0 {
		e.HookBodyLimit = n
	}
	if d, err := time.ParseDuration(os.Getenv("CITYLINK_COMMAND_TIMEOUT")); err == nil && d > 0 {
		e.CommandTimeout = d
	}
	if n, err := strconv.Atoi(os.Getenv("CITYLINK_LOCAL_PG_PORT")); err == nil && n > 0 {
		e.LocalPGPort = n
	}
	// Secure cookies wherever Citylink is reached over https, and always in
	// production; plain http is for local development only.
	e.SecureCookies = e.Production || strings.HasPrefix(e.PublicURL, "https://")
	if v := os.Getenv("CITYLINK_SECURE_COOKIES"); v != "" {
		e.SecureCookies = v == "1" || v == "true"
	}
	return e
}

func getenv(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// databaseURL is DATABASE_URL, or else a private local cluster in the data
// folder, started when it is not running yet.
func (e env) databaseURL(ctx context.Context, log *slog.Logger) (string, error) {
	if e.DatabaseURL != "" {
		return e.DatabaseURL, nil
	}
	if e.Production {
		return "", errors.New("DATABASE_URL must be set when CITYLINK_ENV=production")
	}
	dir, alt, err := e.localPGDirs()
	if err != nil {
		return "", err
	}
	logf := func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }
	url, err := localpg.Ensure(ctx, dir, e.LocalPGPort, logf)
	if errors.Is(err, localpg.ErrUnreachable) {
		log.Info("the data folder is out of the postgres user's reach; using " + alt)
		if err = os.MkdirAll(filepath.Dir(alt), 0o755); err == nil {
			url, err = localpg.Ensure(ctx, alt, e.LocalPGPort, logf)
		}
	}
	if err != nil {
		return "", fmt.Errorf("local postgres: %w", err)
	}
	return url, nil
}

// localPGDirs are where the private cluster lives: in the data folder, or
// else, when the project lies in a folder the server's user may not enter
// (a root-only home, say), in the shared temporary folder under a name of
// this project's own.
func (e env) localPGDirs() (dir, alt string, err error) {
	dir, err = filepath.Abs(filepath.Join(e.DataDir, "pg"))
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(dir))
	alt = filepath.Join(os.TempDir(), "citylink-"+hex.EncodeToString(sum[:6]), "pg")
	return dir, alt, nil
}

// stopLocalDB stops the private cluster, wherever it was put.
func stopLocalDB(ctx context.Context, e env, stdout io.Writer) error {
	dir, alt, err := e.localPGDirs()
	if err != nil {
		return err
	}
	for _, d := range []string{dir, alt} {
		if _, err := os.Stat(filepath.Join(d, "data")); err != nil {
			continue
		}
		if err := localpg.Stop(ctx, d); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "the private PostgreSQL in %s is stopped\n", d)
		return nil
	}
	fmt.Fprintln(stdout, "there is no private PostgreSQL cluster for this folder")
	return nil
}

// keyring is the key that seals tenants' secrets. Outside production a key
// is generated once into the data folder when none is given.
func (e env) keyring() (*db.Keyring, error) {
	primary := e.SecretKey
	if primary == "" {
		if e.Production {
			return nil, errors.New("CITYLINK_SECRET_KEY must be set when CITYLINK_ENV=production")
		}
		key, err := devKey(filepath.Join(e.DataDir, "secret.key"))
		if err != nil {
			return nil, err
		}
		primary = key
	}
	return db.ParseKeyring(primary, e.OldSecretKeys)
}

func devKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read dev secret key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("create data folder: %w", err)
	}
	key := db.GenerateKey()
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write dev secret key: %w", err)
	}
	return key, nil
}

// open connects to the database, applying migrations first when asked.
func (e env) open(ctx context.Context, log *slog.Logger, migrateUp bool) (*db.DB, error) {
	url, err := e.databaseURL(ctx, log)
	if err != nil {
		return nil, err
	}
	keys, err := e.keyring()
	if err != nil {
		return nil, err
	}
	if migrateUp {
		if err := db.Migrate(ctx, e.migrateURL(url), true); err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
	}
	return db.Open(ctx, url, keys)
}

// migrateURL is the role that owns the tables, for migrations:
// CITYLINK_MIGRATE_DATABASE_URL when the application connects as a role of
// its own, else the application's URL.
func (e env) migrateURL(appURL string) string {
	if e.MigrateURL != "" {
		return e.MigrateURL
	}
	return appURL
}
