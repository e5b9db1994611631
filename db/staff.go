package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrLastOwner means that a change would leave a tenant without an owner.
var ErrLastOwner = errors.New("a tenant keeps at least one owner")

// Member is a user of a tenant's staff with their role there.
type Member struct {
	UserID    int64
	Email     string
	Role      string
	CreatedAt time.Time
}

// FindMembers returns the tenant's staff ordered by email.
func (d *DB) FindMembers(ctx context.Context, tenantID int64) ([]Member, error) {
	var ms []Member
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT m.user_id, u.email, m.role, m.created_at
			FROM memberships m
			JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1
			ORDER BY u.email`, tenantID)
		var err error
		ms, err = pgx.CollectRows(rows, pgx.RowToStructByName[Member])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find members of tenant %d: %w", tenantID, err)
	}
	return ms, nil
}

// FindMember returns one member of the tenant's staff.
func (d *DB) FindMember(ctx context.Context, tenantID, userID int64) (Member, error) {
	var m Member
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT m.user_id, u.email, m.role, m.created_at
			FROM memberships m
			JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1 AND m.user_id = $2`, tenantID, userID)
		var err error
		m, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Member])
		return err
	})
	if err != nil {
		return Member{}, fmt.Errorf("find member %d of tenant %d: %w", userID, tenantID,
			translate(err))
	}
	return m, nil
}

// UpdateMemberRole changes a member's role. Taking the last owner's role
// away is [ErrLastOwner]; an unknown member is [ErrNotFound].
func (d *DB) UpdateMemberRole(ctx context.Context, tenantID, userID int64, role string) error {
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if role != "owner" {
			if err := keepAnOwner(ctx, tx, tenantID, userID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `
			UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2`,
			tenantID, userID, role)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update role of member %d of tenant %d: %w", userID, tenantID,
			translate(err))
	}
	return nil
}

// DeleteMembership removes the user from the tenant's staff. Removing the
// last owner is [ErrLastOwner]; an unknown member is [ErrNotFound].
func (d *DB) DeleteMembership(ctx context.Context, tenantID, userID int64) error {
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := keepAnOwner(ctx, tx, tenantID, userID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete member %d of tenant %d: %w", userID, tenantID, translate(err))
	}
	return nil
}

// keepAnOwner refuses, with [ErrLastOwner], to let the user stop being an
// owner when no other owner would remain. It locks the tenant's
// memberships first, so that two admins demoting the last two owners at
// the same moment cannot both pass the count.
func keepAnOwner(ctx context.Context, tx pgx.Tx, tenantID, userID int64) error {
	var id int64
	var role, target string
	others := 0
	rows, _ := tx.Query(ctx, `
		SELECT user_id, role FROM memberships WHERE tenant_id = $1 FOR UPDATE`, tenantID)
	_, err := pgx.ForEachRow(rows, []any{&id, &role}, func() error {
		switch {
		case id == userID:
			target = role
		case role == "owner":
			others++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if target == "owner" && others == 0 {
		return ErrLastOwner
	}
	return nil
}
