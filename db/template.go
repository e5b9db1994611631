package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CommandTemplate is a command with its parameters saved under a name, for
// staff to load into the console again.
type CommandTemplate struct {
	TenantID  int64
	ID        int64
	Name      string
	Command   string
	Params    []Pair // never holds a secret: the caller redacts first
	CreatedBy *int64
	CreatedAt time.Time
}

// CreateCommandTemplate saves t. A name the tenant uses already is
// [ErrConflict].
func (d *DB) CreateCommandTemplate(
	ctx context.Context, t CommandTemplate,
) (CommandTemplate, error) {
	err := d.inTenant(ctx, t.TenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			INSERT INTO command_templates (tenant_id, name, command, params, created_by)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING id, created_at`,
			t.TenantID, t.Name, t.Command, orEmpty(t.Params), t.CreatedBy,
		).Scan(&t.ID, &t.CreatedAt)
	})
	if err != nil {
		return CommandTemplate{}, fmt.Errorf("create command template %q: %w", t.Name, translate(err))
	}
	return t, nil
}

// FindCommandTemplates returns the tenant's templates ordered by name.
func (d *DB) FindCommandTemplates(ctx context.Context, tenantID int64) ([]CommandTemplate, error) {
	var ts []CommandTemplate
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT tenant_id, id, name, command, params, created_by, created_at
			FROM command_templates
			WHERE tenant_id = $1
			ORDER BY name, id
			LIMIT 500`, tenantID)
		var err error
		ts, err = pgx.CollectRows(rows, pgx.RowToStructByName[CommandTemplate])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find command templates: %w", err)
	}
	return ts, nil
}

// FindCommandTemplateByID returns one template of the tenant.
func (d *DB) FindCommandTemplateByID(
	ctx context.Context, tenantID, id int64,
) (CommandTemplate, error) {
	var t CommandTemplate
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT tenant_id, id, name, command, params, created_by, created_at
			FROM command_templates
			WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		var err error
		t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CommandTemplate])
		return err
	})
	if err != nil {
		return CommandTemplate{}, fmt.Errorf("find command template %d: %w", id, translate(err))
	}
	return t, nil
}

// DeleteCommandTemplate removes one template of the tenant.
func (d *DB) DeleteCommandTemplate(ctx context.Context, tenantID, id int64) error {
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			DELETE FROM command_templates WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete command template %d: %w", id, err)
	}
	return nil
}
