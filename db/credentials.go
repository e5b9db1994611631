package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Credentials are what Citylink needs to talk to the platform for a
// tenant. The secrets are unsealed; the Has fields say whether one is set.
type Credentials struct {
	TenantID       int64
	ServiceURL     string
	LoginID        string
	Password       string
	CommKey        string
	StaticToken    string
	HasPassword    bool
	HasCommKey     bool
	HasStaticToken bool
	AuthMode       string // immediate or passive, for the authenticate handshake
	AllowPlain     bool   // answer a keyless handshake with the plain password
	CommandAuth    string // plain, static_token or derived_token
	// CommandTimeoutSeconds bounds one command sent for the tenant.
	CommandTimeoutSeconds int
	UpdatedAt             time.Time
}

// The sealed columns, named as bound into each sealed value.
const (
	columnPassword    = "password_sealed"
	columnCommKey     = "comm_key_sealed"
	columnStaticToken = "static_token_sealed"
)

// sealedCredentials is a platform_credentials row as stored.
type sealedCredentials struct {
	TenantID              int64
	ServiceURL            string
	LoginID               string
	PasswordSealed        []byte
	CommKeySealed         []byte
	StaticTokenSealed     []byte
	AuthMode              string
	AllowPlain            bool
	CommandAuth           string
	CommandTimeoutSeconds int
	UpdatedAt             time.Time
}

// FindCredentials returns the tenant's credentials with the secrets opened.
func (d *DB) FindCredentials(ctx context.Context, tenantID int64) (Credentials, error) {
	var c Credentials
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		s, err := findSealedCredentials(ctx, tx, tenantID, false)
		if err != nil {
			return err
		}
		c, err = d.openCredentials(s)
		return err
	})
	if err != nil {
		err = translate(err)
		return Credentials{}, fmt.Errorf("find credentials of tenant %d: %w", tenantID, err)
	}
	return c, nil
}

func findSealedCredentials(
	ctx context.Context, tx pgx.Tx, tenantID int64, forUpdate bool,
) (sealedCredentials, error) {
	query := `
		SELECT tenant_id, service_url, login_id, password_sealed, comm_key_sealed,
		       static_token_sealed, auth_mode, allow_plain, command_auth,
		       command_timeout_seconds, updated_at
		FROM platform_credentials
		WHERE tenant_id = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	rows, _ := tx.Query(ctx, query, tenantID)
	return pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[sealedCredentials])
}

func (d *DB) openCredentials(s sealedCredentials) (Credentials, error) {
	c := Credentials{
		TenantID:    s.TenantID,
		ServiceURL:  s.ServiceURL,
		LoginID:     s.LoginID,
		AuthMode:    s.AuthMode,
		AllowPlain:  s.AllowPlain,
		CommandAuth: s.CommandAuth,
		UpdatedAt:   s.UpdatedAt,

		CommandTimeoutSeconds: s.CommandTimeoutSeconds,
	}
	secrets := []struct {
		column string
		sealed []byte
		plain  *string
		has    *bool
	}{
		{columnPassword, s.PasswordSealed, &c.Password, &c.HasPassword},
		{columnCommKey, s.CommKeySealed, &c.CommKey, &c.HasCommKey},
		{columnStaticToken, s.StaticTokenSealed, &c.StaticToken, &c.HasStaticToken},
	}
	for _, sec := range secrets {
		if sec.sealed == nil {
			continue
		}
		plain, err := d.open(s.TenantID, sec.column, sec.sealed)
		if err != nil {
			return Credentials{}, err
		}
		*sec.plain, *sec.has = string(plain), true
	}
	return c, nil
}

func (d *DB) open(tenantID int64, column string, sealed []byte) ([]byte, error) {
	if d.keys == nil {
		return nil, errors.New("no secret key configured")
	}
	return d.keys.Open(tenantID, column, sealed)
}

func (d *DB) seal(tenantID int64, column string, plain string) ([]byte, error) {
	if plain == "" {
		return nil, nil
	}
	if d.keys == nil {
		return nil, errors.New("no secret key configured")
	}
	return d.keys.Seal(tenantID, column, []byte(plain))
}

// CredentialsUpdate says which credentials to change: a nil field keeps
// the stored value, and an empty secret clears it.
type CredentialsUpdate struct {
	ServiceURL  *string
	LoginID     *string
	Password    *string
	CommKey     *string
	StaticToken *string
	AuthMode    *string
	CommandAuth *string
	AllowPlain  *bool
	// CommandTimeoutSeconds, when set, must be 1 to 120.
	CommandTimeoutSeconds *int
}

// UpdateCredentials applies u and returns the names of the fields whose
// value really changed (service_url, login_id, password, comm_key,
// static_token, auth_mode, command_auth, allow_plain,
// command_timeout_seconds), for the audit
// history: names only, never values. An unknown mode is [ErrInvalid].
func (d *DB) UpdateCredentials(
	ctx context.Context, tenantID int64, u CredentialsUpdate,
) (changed []string, err error) {
	err = d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		s, err := findSealedCredentials(ctx, tx, tenantID, true)
		if err != nil {
			return err
		}
		old, err := d.openCredentials(s)
		if err != nil {
			return err
		}

		next := old
		changed = applyCredentials(&next, u)
		if len(changed) == 0 {
			return nil
		}
		return d.storeCredentials(ctx, tx, next)
	})
	if err != nil {
		return nil, fmt.Errorf("update credentials of tenant %d: %w", tenantID, translate(err))
	}
	return changed, nil
}

// applyCredentials copies the set fields of u into c and names the ones
// that differ from before.
func applyCredentials(c *Credentials, u CredentialsUpdate) []string {
	var changed []string
	setString := func(name string, dst *string, src *string) {
		if src != nil && *src != *dst {
			*dst = *src
			changed = append(changed, name)
		}
	}
	setString("service_url", &c.ServiceURL, u.ServiceURL)
	setString("login_id", &c.LoginID, u.LoginID)
	setString("password", &c.Password, u.Password)
	setString("comm_key", &c.CommKey, u.CommKey)
	setString("static_token", &c.StaticToken, u.StaticToken)
	setString("auth_mode", &c.AuthMode, u.AuthMode)
	setString("command_auth", &c.CommandAuth, u.CommandAuth)
	if u.AllowPlain != nil && *u.AllowPlain != c.AllowPlain {
		c.AllowPlain = *u.AllowPlain
		changed = append(changed, "allow_plain")
	}
	if n := u.CommandTimeoutSeconds; n != nil && *n != c.CommandTimeoutSeconds {
		c.CommandTimeoutSeconds = *n
		changed = append(changed, "command_timeout_seconds")
	}
	return changed
}

func (d *DB) storeCredentials(ctx context.Context, tx pgx.Tx, c Credentials) error {
	password, err := d.seal(c.TenantID, columnPassword, c.Password)
	if err != nil {
		return err
	}
	commKey, err := d.seal(c.TenantID, columnCommKey, c.CommKey)
	if err != nil {
		return err
	}
	staticToken, err := d.seal(c.TenantID, columnStaticToken, c.StaticToken)
	if err != nil {
		return err
	}

	_, err = tx.Exec(ctx, `
		UPDATE platform_credentials
		SET service_url = $2, login_id = $3, password_sealed = $4, comm_key_sealed = $5,
		    static_token_sealed = $6, auth_mode = $7, allow_plain = $8, command_auth = $9,
		    command_timeout_seconds = $10, updated_at = now()
		WHERE tenant_id = $1`,
		c.TenantID, c.ServiceURL, c.LoginID, password, commKey, staticToken,
		c.AuthMode, c.AllowPlain, c.CommandAuth, c.CommandTimeoutSeconds)
	return err
}
