package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is a member of some dealership's staff. Users are global: one user
// can belong to several tenants through memberships.
type User struct {
	ID           int64
	Email        string // lower case
	PasswordHash string // argon2id, encoded by package web
	// SessionVersion is stored in each session at sign-in; bumping it ends
	// every session made before.
	SessionVersion int
	CreatedAt      time.Time
}

// CreateUser adds a user with the given email, stored in lower case. An
// email that exists already, in any case, is [ErrConflict].
func (d *DB) CreateUser(ctx context.Context, email, passwordHash string) (User, error) {
	rows, _ := d.Pool.Query(ctx, `
		INSERT INTO users (email, password_hash) VALUES (lower($1), $2)
		RETURNING id, email, password_hash, session_version, created_at`, email, passwordHash)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("create user %q: %w", email, translate(err))
	}
	return u, nil
}

// FindUserByEmail returns the user with this email, compared without case.
func (d *DB) FindUserByEmail(ctx context.Context, email string) (User, error) {
	rows, _ := d.Pool.Query(ctx, `
		SELECT id, email, password_hash, session_version, created_at
		FROM users WHERE email = lower($1)`, email)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("find user %q: %w", email, translate(err))
	}
	return u, nil
}

// FindUserByID returns the user with this id.
func (d *DB) FindUserByID(ctx context.Context, id int64) (User, error) {
	rows, _ := d.Pool.Query(ctx, `
		SELECT id, email, password_hash, session_version, created_at
		FROM users WHERE id = $1`, id)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("find user %d: %w", id, translate(err))
	}
	return u, nil
}

// UpdateUserPassword replaces the user's password hash and bumps the
// session version, so that every session made before ends. It returns the
// new version.
func (d *DB) UpdateUserPassword(ctx context.Context, userID int64, hash string) (int, error) {
	var v int
	err := d.Pool.QueryRow(ctx, `
		UPDATE users SET password_hash = $2, session_version = session_version + 1
		WHERE id = $1
		RETURNING session_version`, userID, hash).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("update password of user %d: %w", userID, translate(err))
	}
	return v, nil
}

// UpdateUserSessionVersion bumps the user's session version, ending every
// session of the user, and returns the new version.
func (d *DB) UpdateUserSessionVersion(ctx context.Context, userID int64) (int, error) {
	var v int
	err := d.Pool.QueryRow(ctx, `
		UPDATE users SET session_version = session_version + 1 WHERE id = $1
		RETURNING session_version`, userID).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("update session version of user %d: %w", userID, translate(err))
	}
	return v, nil
}

// Membership gives a user a role in a tenant: owner, admin, operator or
// viewer.
type Membership struct {
	TenantID  int64
	UserID    int64
	Role      string
	CreatedAt time.Time
	Tenant    Tenant // filled by FindMembershipsByUser and FindMembership
}

// UpsertMembership gives the user the role in the tenant, adding the
// membership or changing its role. An unknown role is [ErrInvalid].
func (d *DB) UpsertMembership(ctx context.Context, tenantID, userID int64, role string) error {
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
			tenantID, userID, role)
		return err
	})
	if err != nil {
		return fmt.Errorf("upsert membership of user %d in tenant %d: %w",
			userID, tenantID, translate(err))
	}
	return nil
}

// FindMembership returns the user's membership in the tenant, with the
// tenant filled in.
func (d *DB) FindMembership(ctx context.Context, tenantID, userID int64) (Membership, error) {
	var m Membership
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `
			SELECT m.tenant_id, m.user_id, m.role, m.created_at,
			       t.id, t.slug, t.name, t.hook_token, t.time_zone, t.retention_days,
			       t.disabled_at, t.created_at
			FROM memberships m
			JOIN tenants t ON t.id = m.tenant_id
			WHERE m.tenant_id = $1 AND m.user_id = $2`, tenantID, userID)
		return scanMembership(row, &m)
	})
	if err != nil {
		return Membership{}, fmt.Errorf("find membership of user %d in tenant %d: %w",
			userID, tenantID, translate(err))
	}
	return m, nil
}

// FindMembershipsByUser returns every membership of the user, with the
// tenants filled in, ordered by tenant slug. It runs before a tenant is
// chosen, through a directory function of the schema that reads only this
// user's memberships and their tenants.
func (d *DB) FindMembershipsByUser(ctx context.Context, userID int64) ([]Membership, error) {
	rows, err := d.Pool.Query(ctx, `
		SELECT tenant_id, user_id, role, created_at,
		       id, slug, name, hook_token, time_zone, retention_days, disabled_at, t_created_at
		FROM citylink_user_tenants($1)`, userID)
	if err != nil {
		return nil, fmt.Errorf("find memberships of user %d: %w", userID, err)
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Membership, error) {
		var m Membership
		err := scanMembership(row, &m)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("find memberships of user %d: %w", userID, err)
	}
	return ms, nil
}

// scanMembership reads the membership columns, then the tenant's, in the
// order of the queries above.
func scanMembership(row pgx.Row, m *Membership) error {
	t := &m.Tenant
	return row.Scan(&m.TenantID, &m.UserID, &m.Role, &m.CreatedAt,
		&t.ID, &t.Slug, &t.Name, &t.HookToken, &t.TimeZone, &t.RetentionDays,
		&t.DisabledAt, &t.CreatedAt)
}
