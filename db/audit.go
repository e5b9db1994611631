package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEvent is one entry of a tenant's audit history. The history is
// append-only: the schema refuses every UPDATE and DELETE.
type AuditEvent struct {
	TenantID   int64
	ID         int64
	At         time.Time
	ActorKind  string // user, cli, platform or system
	ActorID    *int64 // the user, for ActorKind user
	ActorLabel string // how to show the actor, e.g. the user's email
	Action     string // e.g. credentials.update
	Target     string
	Details    map[string]any
	RemoteAddr string
	UserAgent  string
}

// CreateAuditEvent appends e to its tenant's history; a zero At means now.
func (d *DB) CreateAuditEvent(ctx context.Context, e AuditEvent) error {
	var at *time.Time
	if !e.At.IsZero() {
		at = &e.At
	}

	err := d.inTenant(ctx, e.TenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO audit_events
				(tenant_id, at, actor_kind, actor_id, actor_label, action, target, details,
				 remote_addr, user_agent)
			VALUES ($1, coalesce($2, now()), $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.TenantID, at, e.ActorKind, e.ActorID, e.ActorLabel, e.Action, e.Target, e.Details,
			e.RemoteAddr, e.UserAgent)
		return err
	})
	if err != nil {
		return fmt.Errorf("create audit event %q: %w", e.Action, translate(err))
	}
	return nil
}

// AuditFilter selects audit events, newest first (by id). From and To
// bound At (From included, To excluded); BeforeID continues a page.
type AuditFilter struct {
	ActorKind  string
	ActorLabel string // e.g. a user's email
	Action     string
	From, To   *time.Time
	BeforeID   int64
	Limit      int
}

// FindAuditEvents returns the tenant's audit events matching f.
func (d *DB) FindAuditEvents(
	ctx context.Context, tenantID int64, f AuditFilter,
) ([]AuditEvent, error) {
	c := tenantConds(tenantID)
	if f.ActorKind != "" {
		c.add("actor_kind = $%d", f.ActorKind)
	}
	if f.ActorLabel != "" {
		c.add("actor_label = $%d", f.ActorLabel)
	}
	if f.Action != "" {
		c.add("action = $%d", f.Action)
	}
	if f.From != nil {
		c.add("at >= $%d", *f.From)
	}
	if f.To != nil {
		c.add("at < $%d", *f.To)
	}
	if f.BeforeID > 0 {
		c.add("id < $%d", f.BeforeID)
	}

	var es []AuditEvent
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT tenant_id, id, at, actor_kind, actor_id, actor_label, action, target, details,
			       remote_addr, user_agent
			FROM audit_events
			WHERE `+c.where()+`
			ORDER BY id DESC
			LIMIT `+c.limit(f.Limit), c.args...)
		var err error
		es, err = pgx.CollectRows(rows, pgx.RowToStructByName[AuditEvent])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find audit events: %w", err)
	}
	return es, nil
}
