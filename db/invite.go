package db

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// InviteLifetime is how long an invite link can be used.
const InviteLifetime = 7 * 24 * time.Hour

// Invite asks someone, by email, to join a tenant's staff with a role.
// Only a hash of its token is stored; the token itself is the link.
type Invite struct {
	TenantID   int64
	ID         int64
	Email      string
	Role       string
	InvitedBy  *int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time
}

const inviteColumns = `tenant_id, id, email, role, invited_by, created_at, expires_at,
	accepted_at, revoked_at`

// inviteTokenHash is what the invites table keeps of a token.
func inviteTokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateInvite records an invite and returns it with its token: 32 random
// bytes in unpadded base64url, which is never stored and cannot be read
// back. An unknown role is [ErrInvalid].
func (d *DB) CreateInvite(
	ctx context.Context, tenantID int64, email, role string, invitedBy int64,
) (Invite, string, error) {
	token := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	var inv Invite
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			INSERT INTO invites (tenant_id, email, role, token_hash, invited_by, expires_at)
			VALUES ($1, lower($2), $3, $4, $5, now() + $6 * interval '1 second')
			RETURNING `+inviteColumns,
			tenantID, strings.TrimSpace(email), role, inviteTokenHash(token), invitedBy,
			int64(InviteLifetime.Seconds()))
		var err error
		inv, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Invite])
		return err
	})
	if err != nil {
		return Invite{}, "", fmt.Errorf("create invite in tenant %d: %w", tenantID, translate(err))
	}
	return inv, token, nil
}

// FindPendingInvites returns the tenant's invites that were neither
// accepted nor revoked, newest first; expired ones are among them.
func (d *DB) FindPendingInvites(ctx context.Context, tenantID int64) ([]Invite, error) {
	var invs []Invite
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT `+inviteColumns+`
			FROM invites
			WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
			ORDER BY id DESC`, tenantID)
		var err error
		invs, err = pgx.CollectRows(rows, pgx.RowToStructByName[Invite])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find invites of tenant %d: %w", tenantID, err)
	}
	return invs, nil
}

// FindInviteByToken returns the invite of a link's token while it can be
// used. An unknown, expired, accepted or revoked invite is [ErrNotFound]
// alike. The tenant is found first, through a function of the schema, and
// the invite then read inside it.
func (d *DB) FindInviteByToken(ctx context.Context, token string) (Invite, error) {
	hash := inviteTokenHash(token)
	var tenantID *int64
	err := d.Pool.QueryRow(ctx, `SELECT citylink_invite_tenant($1)`, hash).Scan(&tenantID)
	if err == nil && tenantID == nil {
		err = ErrNotFound
	}
	if err != nil {
		return Invite{}, fmt.Errorf("find invite by token: %w", translate(err))
	}

	var inv Invite
	err = d.inTenant(ctx, *tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT `+inviteColumns+`
			FROM invites
			WHERE tenant_id = $1 AND token_hash = $2
			  AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
			*tenantID, hash)
		var err error
		inv, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Invite])
		return err
	})
	if err != nil {
		return Invite{}, fmt.Errorf("find invite by token: %w", translate(err))
	}
	return inv, nil
}

// AcceptInvite makes an existing user a member through the invite. A user
// who is a member already keeps their role. An invite no longer usable is
// [ErrNotFound].
func (d *DB) AcceptInvite(ctx context.Context, inv Invite, userID int64) error {
	err := d.inTenant(ctx, inv.TenantID, func(tx pgx.Tx) error {
		return acceptInvite(ctx, tx, inv, userID)
	})
	if err != nil {
		return fmt.Errorf("accept invite %d: %w", inv.ID, translate(err))
	}
	return nil
}

// AcceptInviteAsNewUser creates the invited user with the password hash
// and makes them a member, in one transaction. An email with a user
// already is [ErrConflict].
func (d *DB) AcceptInviteAsNewUser(
	ctx context.Context, inv Invite, passwordHash string,
) (User, error) {
	var u User
	err := d.inTenant(ctx, inv.TenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			INSERT INTO users (email, password_hash) VALUES ($1, $2)
			RETURNING id, email, password_hash, session_version, created_at`,
			inv.Email, passwordHash)
		var err error
		if u, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User]); err != nil {
			return err
		}
		return acceptInvite(ctx, tx, inv, u.ID)
	})
	if err != nil {
		return User{}, fmt.Errorf("accept invite %d as a new user: %w", inv.ID, translate(err))
	}
	return u, nil
}

// acceptInvite marks the invite used, unless it was used, revoked or has
// expired in the meantime, and adds the membership.
func acceptInvite(ctx context.Context, tx pgx.Tx, inv Invite, userID int64) error {
	tag, err := tx.Exec(ctx, `
		UPDATE invites SET accepted_at = now(), accepted_by = $3
		WHERE tenant_id = $1 AND id = $2
		  AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
		inv.TenantID, inv.ID, userID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id, user_id) DO NOTHING`, inv.TenantID, userID, inv.Role)
	return err
}

// RevokeInvite makes a pending invite unusable and returns it.
func (d *DB) RevokeInvite(ctx context.Context, tenantID, inviteID int64) (Invite, error) {
	var inv Invite
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			UPDATE invites SET revoked_at = now()
			WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
			RETURNING `+inviteColumns, tenantID, inviteID)
		var err error
		inv, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Invite])
		return err
	})
	if err != nil {
		return Invite{}, fmt.Errorf("revoke invite %d of tenant %d: %w", inviteID, tenantID,
			translate(err))
	}
	return inv, nil
}
