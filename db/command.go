package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Pair is one name and value, in the order they were sent or received.
type Pair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CommandAttempt is one command sent to the platform, and what came of it.
// Nothing about a failed command is lost: the failure is an Outcome.
type CommandAttempt struct {
	TenantID     int64
	ID           int64
	UserID       *int64 // nil when not sent by staff (the system, a job)
	Command      string
	Params       []Pair // secrets already redacted by the caller
	AuthKind     string
	ServiceURL   string
	StartedAt    time.Time
	Duration     time.Duration // stored in milliseconds
	HTTPStatus   *int
	Status       *int   // the platform's status, when the answer had one
	Outcome      string // ok, status, malformed, http, timeout, refused, tls, transport or blocked
	Error        string
	Messages     []string
	Fields       []Pair
	ResponseBody string
	Source       string // console unless set
}

// CreateCommandAttempt records a command attempt and returns it with its
// ID, and StartedAt when it was unset.
func (d *DB) CreateCommandAttempt(ctx context.Context, a CommandAttempt) (CommandAttempt, error) {
	var startedAt *time.Time
	if !a.StartedAt.IsZero() {
		startedAt = &a.StartedAt
	}
	if a.Source == "" {
		a.Source = "console"
	}

	err := d.inTenant(ctx, a.TenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			INSERT INTO command_attempts
				(tenant_id, user_id, command, params, auth_kind, service_url, started_at,
				 duration_ms, http_status, status, outcome, error, messages, fields,
				 response_body, source)
			VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()), $8, $9, $10, $11, $12, $13, $14,
			        $15, $16)
			RETURNING id, started_at`,
			a.TenantID, a.UserID, a.Command, orEmpty(a.Params), a.AuthKind, a.ServiceURL,
			startedAt, a.Duration.Milliseconds(), a.HTTPStatus, a.Status, a.Outcome, a.Error,
			orEmpty(a.Messages), orEmpty(a.Fields), a.ResponseBody, a.Source,
		).Scan(&a.ID, &a.StartedAt)
	})
	if err != nil {
		err = translate(err)
		return CommandAttempt{}, fmt.Errorf("create command attempt %q: %w", a.Command, err)
	}
	return a, nil
}

// orEmpty turns a nil slice into an empty one, stored as [] rather than as
// JSON null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// FindCommandAttemptByID returns one command attempt of the tenant.
func (d *DB) FindCommandAttemptByID(
	ctx context.Context, tenantID, id int64,
) (CommandAttempt, error) {
	c := tenantConds(tenantID)
	c.add("id = $%d", id)
	x, err := only(d.findCommandAttempts(ctx, tenantID, c, 1))
	if err != nil {
		return CommandAttempt{}, fmt.Errorf("find command attempt %d: %w", id, err)
	}
	return x, nil
}

// CommandAttemptFilter selects command attempts, newest first. Zero fields
// do not filter; BeforeID continues a page. Since is inclusive and Until
// exclusive.
type CommandAttemptFilter struct {
	Command  string
	Outcome  string
	UserID   int64
	System   bool // only attempts no staff member made (jobs, the system)
	Since    time.Time
	Until    time.Time
	BeforeID int64
	Limit    int
}

// FindCommandAttempts returns the tenant's command attempts matching f.
func (d *DB) FindCommandAttempts(
	ctx context.Context, tenantID int64, f CommandAttemptFilter,
) ([]CommandAttempt, error) {
	c := tenantConds(tenantID)
	if f.Command != "" {
		c.add("command = $%d", f.Command)
	}
	if f.Outcome != "" {
		c.add("outcome = $%d", f.Outcome)
	}
	if f.UserID != 0 {
		c.add("user_id = $%d", f.UserID)
	}
	if f.System {
		c.sql = append(c.sql, "user_id IS NULL")
	}
	if !f.Since.IsZero() {
		c.add("started_at >= $%d", f.Since)
	}
	if !f.Until.IsZero() {
		c.add("started_at < $%d", f.Until)
	}
	if f.BeforeID > 0 {
		c.add("id < $%d", f.BeforeID)
	}

	as, err := d.findCommandAttempts(ctx, tenantID, c, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("find command attempts: %w", err)
	}
	return as, nil
}

func (d *DB) findCommandAttempts(
	ctx context.Context, tenantID int64, c *conds, n int,
) ([]CommandAttempt, error) {
	var as []CommandAttempt
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		// duration is read in nanoseconds, the unit of time.Duration.
		rows, _ := tx.Query(ctx, `
			SELECT tenant_id, id, user_id, command, params, auth_kind, service_url, started_at,
			       duration_ms::bigint * 1000000 AS duration, http_status, status, outcome, error,
			       messages, fields, response_body, source
			FROM command_attempts
			WHERE `+c.where()+`
			ORDER BY id DESC
			LIMIT `+c.limit(n), c.args...)
		var err error
		as, err = pgx.CollectRows(rows, pgx.RowToStructByName[CommandAttempt])
		return err
	})
	return as, err
}

// FindCommandUserIDs returns the staff members who sent the tenant's
// commands, for the history's filter.
func (d *DB) FindCommandUserIDs(ctx context.Context, tenantID int64) ([]int64, error) {
	var ids []int64
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT DISTINCT user_id
			FROM command_attempts
			WHERE tenant_id = $1 AND user_id IS NOT NULL
			ORDER BY user_id
			LIMIT 1000`, tenantID)
		var err error
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find command users: %w", err)
	}
	return ids, nil
}
