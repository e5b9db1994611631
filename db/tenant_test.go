package db_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"citylink/db"
	"citylink/db/dbtest"
)

func TestTenants(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	demo := dbtest.MustCreateTenant(t, d, "Demo")
	other := dbtest.MustCreateTenant(t, d, "other-dealer")

	t.Run("Created", func(t *testing.T) {
		if demo.Slug != "demo" || demo.TimeZone != "UTC" || demo.RetentionDays != 90 {
			t.Errorf("got %+v, want slug demo, UTC, 90 days", demo)
		}
		if len(demo.HookToken) != 43 {
			t.Errorf("got hook token of %d characters, want 43", len(demo.HookToken))
		}
	})
	t.Run("BySlug", func(t *testing.T) {
		got, err := d.FindTenantBySlug(ctx, "DEMO")
		if err != nil || got.ID != demo.ID {
			t.Errorf("got %+v, %v, want tenant %d", got, err, demo.ID)
		}
		if _, err := d.FindTenantBySlug(ctx, "nobody"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("ByHookToken", func(t *testing.T) {
		got, err := d.FindTenantByHookToken(ctx, other.HookToken)
		if err != nil || got.ID != other.ID {
			t.Errorf("got %+v, %v, want tenant %d", got, err, other.ID)
		}
	})
	t.Run("List", func(t *testing.T) {
		all, err := d.FindTenants(ctx)
		if err != nil || len(all) != 2 || all[0].Slug != "demo" || all[1].Slug != "other-dealer" {
			t.Errorf("got %+v, %v, want demo and other-dealer", all, err)
		}
	})
	t.Run("Conflict", func(t *testing.T) {
		if _, err := d.CreateTenant(ctx, "demo", "Again"); !errors.Is(err, db.ErrConflict) {
			t.Errorf("got %v, want ErrConflict", err)
		}
	})
	t.Run("BadSlug", func(t *testing.T) {
		if _, err := d.CreateTenant(ctx, "-no spaces", "Bad"); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
	t.Run("RotateHookToken", func(t *testing.T) {
		token, err := d.RotateHookToken(ctx, demo.ID)
		if err != nil || token == demo.HookToken {
			t.Fatalf("got %q, %v, want a new token", token, err)
		}
		if _, err := d.FindTenantByHookToken(ctx, demo.HookToken); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("old token: got %v, want ErrNotFound", err)
		}
		if got, err := d.FindTenantByHookToken(ctx, token); err != nil || got.ID != demo.ID {
			t.Errorf("new token: got %+v, %v, want tenant %d", got, err, demo.ID)
		}
	})
	t.Run("Disable", func(t *testing.T) {
		if err := d.UpdateTenantDisabled(ctx, other.ID, true); err != nil {
			t.Fatalf("disable: %v", err)
		}
		got, _ := d.FindTenantBySlug(ctx, "other-dealer")
		if !got.Disabled() {
			t.Errorf("got enabled, want disabled")
		}
		if err := d.UpdateTenantDisabled(ctx, other.ID, false); err != nil {
			t.Fatalf("enable: %v", err)
		}
		got, _ = d.FindTenantBySlug(ctx, "other-dealer")
		if got.Disabled() {
			t.Errorf("got disabled, want enabled")
		}
		if err := d.UpdateTenantDisabled(ctx, 999999, true); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown tenant: got %v, want ErrNotFound", err)
		}
	})
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	u := dbtest.MustCreateUser(t, d, "Admin@Demo.Test", "hash1")

	t.Run("LowerCase", func(t *testing.T) {
		if u.Email != "admin@demo.test" {
			t.Errorf("got %q, want %q", u.Email, "admin@demo.test")
		}
		got, err := d.FindUserByEmail(ctx, "ADMIN@demo.test")
		if err != nil || got.ID != u.ID {
			t.Errorf("got %+v, %v, want user %d", got, err, u.ID)
		}
	})
	t.Run("Conflict", func(t *testing.T) {
		if _, err := d.CreateUser(ctx, "admin@DEMO.test", "x"); !errors.Is(err, db.ErrConflict) {
			t.Errorf("got %v, want ErrConflict", err)
		}
	})
	t.Run("Password", func(t *testing.T) {
		v, err := d.UpdateUserPassword(ctx, u.ID, "hash2")
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		got, err := d.FindUserByID(ctx, u.ID)
		if err != nil || got.PasswordHash != "hash2" || got.SessionVersion != v || v != u.SessionVersion+1 {
			t.Errorf("got %+v, %v (version %d), want hash2 and the next version", got, err, v)
		}
		if _, err := d.FindUserByID(ctx, 424242); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}

func TestMemberships(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	a := dbtest.MustCreateTenant(t, d, "alpha")
	b := dbtest.MustCreateTenant(t, d, "bravo")
	dbtest.MustCreateTenant(t, d, "charlie")
	u := dbtest.MustCreateUser(t, d, "staff@example.test", "h")
	dbtest.MustAddMember(t, d, b.ID, u.ID, "viewer")
	dbtest.MustAddMember(t, d, a.ID, u.ID, "operator")
	dbtest.MustAddMember(t, d, a.ID, u.ID, "admin")

	t.Run("Find", func(t *testing.T) {
		m, err := d.FindMembership(ctx, a.ID, u.ID)
		if err != nil || m.Role != "admin" || m.Tenant.Slug != "alpha" {
			t.Errorf("got %+v, %v, want admin of alpha", m, err)
		}
		if _, err := d.FindMembership(ctx, a.ID+100, u.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("ByUser", func(t *testing.T) {
		ms, err := d.FindMembershipsByUser(ctx, u.ID)
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		if len(ms) != 2 || ms[0].Tenant.Slug != "alpha" || ms[1].Tenant.Slug != "bravo" ||
			ms[1].Role != "viewer" || ms[1].Tenant.ID != b.ID {
			t.Errorf("got %+v, want alpha admin and bravo viewer", ms)
		}
	})
	t.Run("BadRole", func(t *testing.T) {
		err := d.UpsertMembership(ctx, a.ID, u.ID, "root")
		if !errors.Is(err, db.ErrInvalid) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
}

func TestCredentials(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	tn := dbtest.MustCreateTenant(t, d, "demo")
	ptr := func(s string) *string { return &s }

	t.Run("Defaults", func(t *testing.T) {
		c, err := d.FindCredentials(ctx, tn.ID)
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		want := db.Credentials{TenantID: tn.ID, ServiceURL: "https://www.carcitycentral.com/service",
			AuthMode: "immediate", CommandAuth: "plain", CommandTimeoutSeconds: 30,
			UpdatedAt: c.UpdatedAt}
		if c != want {
			t.Errorf("got %+v, want %+v", c, want)
		}
	})
	t.Run("Update", func(t *testing.T) {
		yes := true
		changed, err := d.UpdateCredentials(ctx, tn.ID, db.CredentialsUpdate{
			LoginID: ptr("apiuser"), Password: ptr("APIuser123"), CommKey: ptr("ck"),
			AuthMode: ptr("passive"), AllowPlain: &yes,
			ServiceURL: ptr("https://www.carcitycentral.com/service"),
		})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		want := []string{"login_id", "password", "comm_key", "auth_mode", "allow_plain"}
		if got := changed; !equalStrings(got, want) {
			t.Errorf("changed: got %v, want %v", got, want)
		}
		c, err := d.FindCredentials(ctx, tn.ID)
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		if c.LoginID != "apiuser" || c.Password != "APIuser123" || !c.HasPassword ||
			c.CommKey != "ck" || !c.HasCommKey || c.HasStaticToken || c.AuthMode != "passive" ||
			!c.AllowPlain {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("MovedToOtherTenant", func(t *testing.T) {
		other := dbtest.MustCreateTenant(t, d, "other")
		sealed := sealedPassword(t, d, tn.ID)
		if bytes.Contains(sealed, []byte("APIuser123")) {
			t.Fatalf("stored password is not sealed")
		}

		// Copy the sealed bytes into the other tenant's row, as someone
		// with write access to the table could.
		err := inTenantTx(ctx, d, other.ID, `
			UPDATE platform_credentials SET password_sealed = $2 WHERE tenant_id = $1`, other.ID, sealed)
		if err != nil {
			t.Fatalf("copy: %v", err)
		}
		if _, err := d.FindCredentials(ctx, other.ID); err == nil {
			t.Errorf("opened a password moved to another tenant")
		}
	})
	t.Run("Clear", func(t *testing.T) {
		u := db.CredentialsUpdate{CommKey: ptr(""), Password: ptr("APIuser123")}
		changed, err := d.UpdateCredentials(ctx, tn.ID, u)
		if err != nil || !equalStrings(changed, []string{"comm_key"}) {
			t.Fatalf("got %v, %v, want [comm_key]", changed, err)
		}
		c, _ := d.FindCredentials(ctx, tn.ID)
		if c.HasCommKey || c.CommKey != "" || !c.HasPassword {
			t.Errorf("got %+v, want no comm_key and a password", c)
		}
	})
	t.Run("BadMode", func(t *testing.T) {
		_, err := d.UpdateCredentials(ctx, tn.ID, db.CredentialsUpdate{AuthMode: ptr("lazy")})
		if !errors.Is(err, db.ErrInvalid) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
}

// sealedPassword reads a tenant's stored password as it is on disk.
func sealedPassword(tb testing.TB, d *db.DB, tenantID int64) []byte {
	tb.Helper()
	var sealed []byte
	err := pgx.BeginFunc(context.Background(), d.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(),
			`SELECT set_config('citylink.tenant_id', $1::bigint::text, true)`, tenantID)
		if err != nil {
			return err
		}
		return tx.QueryRow(context.Background(),
			`SELECT password_sealed FROM platform_credentials WHERE tenant_id = $1`, tenantID).Scan(&sealed)
	})
	if err != nil {
		tb.Fatalf("read sealed password: %v", err)
	}
	return sealed
}

// inTenantTx runs one statement as the application role in a tenant.
func inTenantTx(ctx context.Context, d *db.DB, tenantID int64, sql string, args ...any) error {
	return pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT set_config('citylink.tenant_id', $1::bigint::text, true)`, tenantID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, sql, args...)
		return err
	})
}

func equalStrings(got, want []string) bool {
	return slices.Equal(got, want)
}

func isNotFound(err error) bool { return errors.Is(err, db.ErrNotFound) }

func isInvalid(err error) bool { return errors.Is(err, db.ErrInvalid) }
