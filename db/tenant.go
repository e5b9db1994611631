package db

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tenant is one dealership using Citylink.
type Tenant struct {
	ID            int64
	Slug          string
	Name          string
	HookToken     string // the secret part of the notification URL /hooks/{token}
	TimeZone      string
	RetentionDays int
	DisabledAt    *time.Time
	CreatedAt     time.Time
}

// Disabled reports whether an operator has suspended the tenant.
func (t Tenant) Disabled() bool {
	return t.DisabledAt != nil
}

// newHookToken returns 32 random bytes in unpadded base64url: 256 bits that
// nobody can guess, safe in a URL path.
func newHookToken() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

// CreateTenant creates a tenant with a fresh hook token, and its empty
// platform credentials. The slug is stored in lower case; a malformed one
// is [ErrInvalid], a taken one [ErrConflict].
func (d *DB) CreateTenant(ctx context.Context, slug, name string) (Tenant, error) {
	// The row-level security policy only lets a transaction write the tenant
	// it is set to, so the id is drawn first and the setting made from it.
	var id int64
	err := d.Pool.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('tenants', 'id'))`).Scan(&id)
	if err != nil {
		return Tenant{}, fmt.Errorf("create tenant %q: %w", slug, err)
	}

	var t Tenant
	err = d.inTenant(ctx, id, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			INSERT INTO tenants (id, slug, name, hook_token)
			OVERRIDING SYSTEM VALUE
			VALUES ($1, $2, $3, $4)
			RETURNING id, slug, name, hook_token, time_zone, retention_days, disabled_at, created_at`,
			id, strings.ToLower(slug), name, newHookToken())
		var err error
		t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Tenant])
		if err != nil {
			return err
		}

		_, err = tx.Exec(ctx, `INSERT INTO platform_credentials (tenant_id) VALUES ($1)`, id)
		return err
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("create tenant %q: %w", slug, translate(err))
	}
	return t, nil
}

// FindTenantBySlug returns the tenant of a URL's slug, in any letter case.
// It runs before any tenant is known, through a function that reads the
// tenant directory on the schema owner's behalf.
func (d *DB) FindTenantBySlug(ctx context.Context, slug string) (Tenant, error) {
	t, err := d.findTenant(ctx, `
		SELECT id, slug, name, hook_token, time_zone, retention_days, disabled_at, created_at
		FROM citylink_tenant_by_slug($1)`, slug)
	if err != nil {
		return Tenant{}, fmt.Errorf("find tenant %q: %w", slug, err)
	}
	return t, nil
}

// FindTenantByHookToken returns the tenant whose notification URL carries
// token. Like FindTenantBySlug it runs before a tenant is known.
func (d *DB) FindTenantByHookToken(ctx context.Context, token string) (Tenant, error) {
	t, err := d.findTenant(ctx, `
		SELECT id, slug, name, hook_token, time_zone, retention_days, disabled_at, created_at
		FROM citylink_tenant_by_hook_token($1)`, token)
	if err != nil {
		// The token is a secret: it stays out of the error.
		return Tenant{}, fmt.Errorf("find tenant by hook token: %w", err)
	}
	return t, nil
}

// findTenant runs a query for one tenant.
func (d *DB) findTenant(ctx context.Context, sql string, arg any) (Tenant, error) {
	rows, _ := d.Pool.Query(ctx, sql, arg)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Tenant])
	return t, translate(err)
}

// FindTenants returns every tenant ordered by slug, for the operator CLI.
func (d *DB) FindTenants(ctx context.Context) ([]Tenant, error) {
	rows, _ := d.Pool.Query(ctx, `
		SELECT id, slug, name, hook_token, time_zone, retention_days, disabled_at, created_at
		FROM citylink_tenants()`)
	tenants, err := pgx.CollectRows(rows, pgx.RowToStructByName[Tenant])
	if err != nil {
		return nil, fmt.Errorf("find tenants: %w", err)
	}
	return tenants, nil
}

// RotateHookToken gives the tenant a new notification URL token and returns
// it. The old URL stops working at once.
func (d *DB) RotateHookToken(ctx context.Context, tenantID int64) (string, error) {
	token := newHookToken()
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE tenants SET hook_token = $2 WHERE id = $1`, tenantID, token)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("rotate hook token of tenant %d: %w", tenantID, translate(err))
	}
	return token, nil
}

// UpdateTenantDisabled suspends the tenant (disabled) or lifts the
// suspension. Disabling a disabled tenant keeps the first time.
func (d *DB) UpdateTenantDisabled(ctx context.Context, tenantID int64, disabled bool) error {
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE tenants
			SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END
			WHERE id = $1`, tenantID, disabled)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update tenant %d disabled: %w", tenantID, translate(err))
	}
	return nil
}

// UpdateTenantTimeZone sets the time zone the tenant's pages show times in;
// the caller checks that it is a zone name Go knows.
func (d *DB) UpdateTenantTimeZone(ctx context.Context, tenantID int64, zone string) error {
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tenants SET time_zone = $2 WHERE id = $1`, tenantID, zone)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update time zone of tenant %d: %w", tenantID, translate(err))
	}
	return nil
}

// FindTenantByID returns the tenant with this id, read inside it.
func (d *DB) FindTenantByID(ctx context.Context, tenantID int64) (Tenant, error) {
	var t Tenant
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT id, slug, name, hook_token, time_zone, retention_days, disabled_at, created_at
			FROM tenants WHERE id = $1`, tenantID)
		var err error
		t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Tenant])
		return err
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("find tenant %d: %w", tenantID, translate(err))
	}
	return t, nil
}
