package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"citylink/db"
	"citylink/db/localpg"
	"citylink/web"
)

// cliActor is how the operator's command line appears in audit histories.
const cliActor = "operator CLI"

func migrate(ctx context.Context, e env, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "down") {
		return errUsage
	}
	url, err := e.databaseURL(ctx, log)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx, e.migrateURL(url), args[0] == "up"); err != nil {
		return fmt.Errorf("migrate %s: %w", args[0], err)
	}
	fmt.Fprintf(stdout, "migrated %s\n", args[0])
	return nil
}

func tenantCommand(ctx context.Context, e env, args []string, stdin io.Reader, stdout io.Writer,
	log *slog.Logger) error {
	if len(args) == 0 {
		return errUsage
	}
	fs := flag.NewFlagSet("tenant "+args[0], flag.ContinueOnError)
	slug := fs.String("slug", "", "the tenant's short name, used in its URLs")
	name := fs.String("name", "", "the dealership's name")
	asJSON := fs.Bool("json", false, "print JSON")
	loginID := fs.String("login-id", "", "the platform API login id")
	serviceURL := fs.String("service-url", "", "the platform's service URL")
	authMode := fs.String("auth-mode", "", "how the platform's handshake is answered: immediate or passive")
	allowPlain := fs.Bool("allow-plain", false,
		"allow answering a handshake without key with the plain password")
	if !tenantSubcommands[args[0]] {
		return fmt.Errorf("unknown command: tenant %s", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected words %q: quote a name that has spaces", fs.Args())
	}
	if args[0] != "list" && *slug == "" {
		return errors.New("--slug is required")
	}
	d, err := e.open(ctx, log, true)
	if err != nil {
		return err
	}
	defer d.Close()

	switch args[0] {
	case "create":
		if strings.TrimSpace(*name) == "" {
			return errors.New("--name is required")
		}
		t, err := d.CreateTenant(ctx, *slug, strings.TrimSpace(*name))
		if err != nil {
			return tenantError(*slug, err)
		}
		cliAudit(ctx, d, t.ID, "tenant.created", "tenant "+t.Slug, nil)
		return printTenant(stdout, t, *asJSON)
	case "show":
		t, err := d.FindTenantBySlug(ctx, *slug)
		if err != nil {
			return tenantError(*slug, err)
		}
		return printTenant(stdout, t, *asJSON)
	case "list":
		return listTenants(ctx, d, stdout)
	case "credentials":
		return setCredentials(ctx, d, *slug, *loginID, *serviceURL, *authMode, *allowPlain, stdin, stdout)
	case "disable", "enable":
		t, err := d.FindTenantBySlug(ctx, *slug)
		if err != nil {
			return tenantError(*slug, err)
		}
		if err := d.UpdateTenantDisabled(ctx, t.ID, args[0] == "disable"); err != nil {
			return fmt.Errorf("%s tenant %q: %w", args[0], *slug, err)
		}
		cliAudit(ctx, d, t.ID, "tenant."+args[0]+"d", "tenant "+t.Slug, nil)
		fmt.Fprintf(stdout, "tenant %s %sd\n", t.Slug, args[0])
		return nil
	}
	return errUsage
}

var tenantSubcommands = map[string]bool{
	"create": true, "show": true, "list": true, "credentials": true, "disable": true, "enable": true,
}

// tenantError says in words what went wrong with the tenant named slug;
// the database's own text is for the logs, not for the operator.
func tenantError(slug string, err error) error {
	switch {
	case errors.Is(err, db.ErrNotFound):
		return fmt.Errorf("no tenant has the slug %q", slug)
	case errors.Is(err, db.ErrConflict):
		return fmt.Errorf("a tenant with the slug %q exists already", slug)
	case errors.Is(err, db.ErrInvalid):
		return fmt.Errorf("the slug %q is not valid: use 2 to 41 lowercase letters, digits and "+
			"dashes, starting with a letter or digit", slug)
	}
	return fmt.Errorf("tenant %q: %w", slug, err)
}

func printTenant(w io.Writer, t db.Tenant, asJSON bool) error {
	if !asJSON {
		fmt.Fprintf(w, "slug: %s\nname: %s\nnotification_path: %s\ndisabled: %t\n",
			t.Slug, t.Name, web.NotificationPath(t), t.Disabled())
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"id":                t.ID,
		"slug":              t.Slug,
		"name":              t.Name,
		"notification_path": web.NotificationPath(t),
		"time_zone":         t.TimeZone,
		"disabled":          t.Disabled(),
		"created_at":        t.CreatedAt,
	})
}

func listTenants(ctx context.Context, d *db.DB, w io.Writer) error {
	tenants, err := d.FindTenants(ctx)
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME\tSTATE\tCREATED")
	for _, t := range tenants {
		state := "enabled"
		if t.Disabled() {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Slug, t.Name, state, t.CreatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}

// setCredentials saves a tenant's platform credentials. The password and
// the comm_key are read as two lines from stdin, so that they never stand
// in a shell history or a process list; an empty line keeps what is saved.
func setCredentials(ctx context.Context, d *db.DB, slug, loginID, serviceURL, authMode string,
	allowPlain bool, stdin io.Reader, stdout io.Writer) error {
	if loginID == "" {
		return errors.New("--login-id is required")
	}
	if authMode != "" && authMode != "immediate" && authMode != "passive" {
		return errors.New("--auth-mode must be immediate or passive")
	}
	t, err := d.FindTenantBySlug(ctx, slug)
	if err != nil {
		return tenantError(slug, err)
	}
	lines := bufio.NewScanner(stdin)
	password, commKey := readLine(lines), readLine(lines)
	u := db.CredentialsUpdate{LoginID: &loginID, AllowPlain: &allowPlain}
	if serviceURL != "" {
		u.ServiceURL = &serviceURL
	}
	if authMode != "" {
		u.AuthMode = &authMode
	}
	if password != "" {
		u.Password = &password
	}
	if commKey != "" {
		u.CommKey = &commKey
	}
	changed, err := d.UpdateCredentials(ctx, t.ID, u)
	if err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if len(changed) > 0 {
		cliAudit(ctx, d, t.ID, "credentials.changed", "platform credentials", map[string]any{"fields": changed})
	}
	fmt.Fprintf(stdout, "credentials of %s saved (changed: %s)\n", t.Slug, strings.Join(changed, ", "))
	return nil
}

func readLine(s *bufio.Scanner) string {
	if !s.Scan() {
		return ""
	}
	return strings.TrimRight(s.Text(), "\r")
}

func userCommand(ctx context.Context, e env, args []string, stdin io.Reader, stdout io.Writer,
	log *slog.Logger) error {
	if len(args) == 0 || args[0] != "add" {
		return errUsage
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	slug := fs.String("tenant", "", "the tenant's slug")
	email := fs.String("email", "", "the user's email")
	role := fs.String("role", "", "owner, admin, operator or viewer")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected words %q", fs.Args())
	}
	if *slug == "" || *email == "" {
		return errors.New("--tenant and --email are required")
	}
	if !web.ValidRole(*role) {
		return errors.New("--role must be owner, admin, operator or viewer")
	}
	d, err := e.open(ctx, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	t, err := d.FindTenantBySlug(ctx, *slug)
	if err != nil {
		return tenantError(*slug, err)
	}
	user, created, err := ensureUser(ctx, d, *email, func() string { return readLine(bufio.NewScanner(stdin)) })
	if err != nil {
		return err
	}
	if err := d.UpsertMembership(ctx, t.ID, user.ID, *role); err != nil {
		return fmt.Errorf("add membership: %w", err)
	}
	cliAudit(ctx, d, t.ID, "member.added", user.Email, map[string]any{"role": *role})
	state := "existing user, password kept"
	if created {
		state = "new user"
	}
	fmt.Fprintf(stdout, "%s is %s of %s (%s)\n", user.Email, *role, t.Slug, state)
	return nil
}

// ensureUser finds the user with this email, or creates one with the
// password that password() gives. An existing user keeps their password.
func ensureUser(ctx context.Context, d *db.DB, email string, password func() string) (db.User, bool, error) {
	user, err := d.FindUserByEmail(ctx, email)
	if err == nil {
		return user, false, nil
	}
	if !errors.Is(err, db.ErrNotFound) {
		return db.User{}, false, fmt.Errorf("find user: %w", err)
	}
	if !strings.Contains(email, "@") {
		return db.User{}, false, errors.New("the email must contain @")
	}
	hash, err := web.HashPassword(password())
	if err != nil {
		return db.User{}, false, err
	}
	user, err = d.CreateUser(ctx, email, hash)
	if err != nil {
		return db.User{}, false, fmt.Errorf("create user: %w", err)
	}
	return user, true, nil
}

func cliAudit(ctx context.Context, d *db.DB, tenantID int64, action, target string, details map[string]any) {
	err := d.CreateAuditEvent(ctx, db.AuditEvent{
		TenantID: tenantID, ActorKind: "cli", ActorLabel: cliActor,
		Action: action, Target: target, Details: details,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "citylink: warning: the audit event could not be recorded:", err)
	}
}

func localdbCommand(ctx context.Context, e env, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 1 && args[0] == "stop" {
		return stopLocalDB(ctx, e, stdout)
	}
	if len(args) != 1 || args[0] != "url" {
		return errUsage
	}
	e.DatabaseURL = ""
	if _, err := e.databaseURL(ctx, log); err != nil {
		return err
	}
	fmt.Fprintln(stdout, localpg.AdminURL(e.LocalPGPort))
	return nil
}
