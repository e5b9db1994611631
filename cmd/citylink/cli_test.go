package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"citylink/db/dbtest"
	"citylink/web"
)

// runCLI runs one citylink command line against the test database.
func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := run(context.Background(), args, strings.NewReader(stdin), &out, log)
	return out.String(), err
}

func TestCLI_TenantsAndUsers(t *testing.T) {
	dbURL := dbtest.URL(t)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("CITYLINK_SECRET_KEY", dbtest.SecretKey)
	t.Setenv("CITYLINK_DATA_DIR", t.TempDir())

	if _, err := runCLI(t, "", "tenant", "create", "--slug", "acme", "--name", "Acme Cars"); err != nil {
		t.Fatalf("tenant create: %v", err)
	}
	_, err := runCLI(t, "", "tenant", "create", "--slug", "acme", "--name", "Again")
	if err == nil || !strings.Contains(err.Error(), "exists already") ||
		strings.Contains(err.Error(), "SQLSTATE") {
		t.Errorf("a second tenant with the same slug: got %v, want a plain 'exists already'", err)
	}
	_, err = runCLI(t, "", "tenant", "create", "--slug", "bravo", "--name", "Bravo", "Motors")
	if err == nil || !strings.Contains(err.Error(), "unexpected words") {
		t.Errorf("an unquoted name: got %v, want an error about the extra words", err)
	}
	if _, err := runCLI(t, "", "tenant", "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("an unknown subcommand: got %v, want it named unknown", err)
	}
	if _, err := runCLI(t, "", "tenant", "show", "--slug", "nope"); err == nil ||
		err.Error() != `no tenant has the slug "nope"` {
		t.Errorf("an unknown slug: got %v", err)
	}
	out, err := runCLI(t, "", "tenant", "show", "--slug", "acme", "--json")
	if err != nil {
		t.Fatalf("tenant show: %v", err)
	}
	var shown struct {
		Slug, Name       string
		NotificationPath string `json:"notification_path"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("tenant show --json: %v in %q", err, out)
	}
	if shown.Slug != "acme" || shown.Name != "Acme Cars" ||
		!strings.HasPrefix(shown.NotificationPath, "/hooks/") {
		t.Errorf("tenant show: got %+v", shown)
	}

	out, err = runCLI(t, "APIuser123\ncommkey-123\n", "tenant", "credentials", "--slug", "acme",
		"--login-id", "apiuser", "--auth-mode", "passive", "--allow-plain")
	if err != nil {
		t.Fatalf("tenant credentials: %v", err)
	}
	if strings.Contains(out, "APIuser123") || strings.Contains(out, "commkey-123") {
		t.Errorf("the command printed a secret: %q", out)
	}
	d := dbtest.Open(t, dbURL)
	ctx := context.Background()
	tenant, err := d.FindTenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := d.FindCredentials(ctx, tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if creds.LoginID != "apiuser" || creds.Password != "APIuser123" || creds.CommKey != "commkey-123" ||
		creds.AuthMode != "passive" || !creds.AllowPlain {
		t.Errorf("credentials: got login %q mode %q plain %v", creds.LoginID, creds.AuthMode, creds.AllowPlain)
	}

	if _, err := runCLI(t, "first password 1\n", "user", "add", "--tenant", "acme",
		"--email", "Ann@Acme.test", "--role", "admin"); err != nil {
		t.Fatalf("user add: %v", err)
	}
	// The same email again: the membership changes, the password stays.
	if _, err := runCLI(t, "another password 2\n", "user", "add", "--tenant", "acme",
		"--email", "ann@acme.test", "--role", "owner"); err != nil {
		t.Fatalf("user add again: %v", err)
	}
	user, err := d.FindUserByEmail(ctx, "ann@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := web.CheckPassword(user.PasswordHash, "first password 1"); !ok {
		t.Errorf("the first password no longer works")
	}
	m, err := d.FindMembership(ctx, tenant.ID, user.ID)
	if err != nil || m.Role != "owner" {
		t.Errorf("membership: got %+v (%v), want owner", m, err)
	}
	if _, err := runCLI(t, "x\n", "user", "add", "--tenant", "acme", "--email", "bob@acme.test",
		"--role", "king"); err == nil {
		t.Errorf("an unknown role: got no error")
	}

	if _, err := runCLI(t, "", "tenant", "disable", "--slug", "acme"); err != nil {
		t.Fatalf("tenant disable: %v", err)
	}
	out, err = runCLI(t, "", "tenant", "list")
	if err != nil || !strings.Contains(out, "acme") || !strings.Contains(out, "disabled") {
		t.Errorf("tenant list after disable: got %q (%v)", out, err)
	}
	if _, err := runCLI(t, "", "tenant", "enable", "--slug", "acme"); err != nil {
		t.Fatalf("tenant enable: %v", err)
	}
	if tenant, err = d.FindTenantBySlug(ctx, "acme"); err != nil || tenant.Disabled() {
		t.Errorf("after enable: disabled %v (%v)", tenant.Disabled(), err)
	}
}
