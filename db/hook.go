package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// HookRequest is one request to a tenant's notification URL and what
// Citylink answered, recorded whether it was accepted or not.
type HookRequest struct {
	TenantID     int64
	ID           int64
	ReceivedAt   time.Time
	RemoteAddr   string
	Method       string
	Headers      map[string][]string
	Body         []byte
	RequestKind  string // authenticate, delivery, or "" when the body made no sense
	Outcome      string // accepted, rejected or error
	AnswerStatus int
	AnswerBody   string
	Error        string
	MessagesHash string // identifies a delivery's messages, to spot re-sends; "" for none
	RepeatOf     *int64 // the first delivery of the same messages within a day
	MessageCount int
}

// NewNotification is one message of a delivery, to be stored.
type NewNotification struct {
	Type string
	Data json.RawMessage
}

// CreateDelivery stores a delivery and its messages, one notification per
// message in order, in one transaction: either all are stored or none.
//
// When an accepted delivery with the same MessagesHash reached this tenant
// within the day before ReceivedAt, the new one is marked as its repeat,
// and each notification as the repeat of the first delivery's notification
// at the same position. An advisory lock on tenant and hash makes two
// simultaneous copies agree on which came first.
func (d *DB) CreateDelivery(
	ctx context.Context, req HookRequest, msgs []NewNotification,
) (HookRequest, error) {
	if req.RequestKind == "" {
		req.RequestKind = "delivery"
	}
	if req.Outcome == "" {
		req.Outcome = "accepted"
	}
	req.MessageCount = len(msgs)

	err := d.inTenant(ctx, req.TenantID, func(tx pgx.Tx) error {
		originals, err := findOriginal(ctx, tx, &req)
		if err != nil {
			return err
		}
		if err := insertHookRequest(ctx, tx, &req); err != nil {
			return err
		}

		b := &pgx.Batch{}
		for i, m := range msgs {
			var repeatOf *int64
			if id, ok := originals[i]; ok {
				repeatOf = &id
			}
			b.Queue(`
				INSERT INTO notifications
					(tenant_id, request_id, position, type, data, received_at, repeat_of)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				req.TenantID, req.ID, i, m.Type, m.Data, req.ReceivedAt, repeatOf)
		}
		if len(msgs) > 0 {
			// Delivered at commit, to ListenDeliveries in every process.
			b.Queue(`SELECT pg_notify($1, $2::bigint::text)`, deliveriesChannel, req.TenantID)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		err = translate(err)
		return HookRequest{}, fmt.Errorf("create delivery for tenant %d: %w", req.TenantID, err)
	}
	return req, nil
}

// findOriginal sets req.RepeatOf when req re-sends an earlier delivery, and
// returns that delivery's notification ids by position.
func findOriginal(ctx context.Context, tx pgx.Tx, req *HookRequest) (map[int]int64, error) {
	if req.MessagesHash == "" {
		return nil, nil
	}
	if req.ReceivedAt.IsZero() {
		req.ReceivedAt = time.Now()
	}

	_, err := tx.Exec(ctx,
		`SELECT pg_advisory_xact_lock(hashtextextended($1::bigint || ':' || $2, 0))`,
		req.TenantID, req.MessagesHash)
	if err != nil {
		return nil, fmt.Errorf("lock messages hash: %w", err)
	}

	// The earliest match may itself be a repeat of an older delivery; the
	// chain then leads to that one.
	var original int64
	err = tx.QueryRow(ctx, `
		SELECT coalesce(repeat_of, id)
		FROM hook_requests
		WHERE tenant_id = $1 AND messages_hash = $2
		  AND received_at BETWEEN $3::timestamptz - interval '24 hours' AND $3
		  AND request_kind = 'delivery' AND outcome = 'accepted'
		ORDER BY received_at, id
		LIMIT 1`,
		req.TenantID, req.MessagesHash, req.ReceivedAt).Scan(&original)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find original delivery: %w", err)
	}
	req.RepeatOf = &original

	rows, _ := tx.Query(ctx, `
		SELECT position, id FROM notifications WHERE tenant_id = $1 AND request_id = $2`,
		req.TenantID, original)
	ids := make(map[int]int64)
	var position int
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&position, &id}, func() error {
		ids[position] = id
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find original notifications: %w", err)
	}
	return ids, nil
}

// CreateHookRequest records a request that stores no notifications: an
// authenticate handshake, a rejected or failed request.
func (d *DB) CreateHookRequest(ctx context.Context, req HookRequest) (HookRequest, error) {
	err := d.inTenant(ctx, req.TenantID, func(tx pgx.Tx) error {
		return insertHookRequest(ctx, tx, &req)
	})
	if err != nil {
		err = translate(err)
		return HookRequest{}, fmt.Errorf("create hook request for tenant %d: %w", req.TenantID, err)
	}
	return req, nil
}

// insertHookRequest stores req and sets its ID, and its ReceivedAt when
// unset.
func insertHookRequest(ctx context.Context, tx pgx.Tx, req *HookRequest) error {
	var receivedAt *time.Time
	if !req.ReceivedAt.IsZero() {
		receivedAt = &req.ReceivedAt
	}
	var hash *string
	if req.MessagesHash != "" {
		hash = &req.MessagesHash
	}

	return tx.QueryRow(ctx, `
		INSERT INTO hook_requests
			(tenant_id, received_at, remote_addr, method, headers, body, request_kind, outcome,
			 answer_status, answer_body, error, messages_hash, repeat_of, message_count)
		VALUES ($1, coalesce($2, now()), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING id, received_at`,
		req.TenantID, receivedAt, req.RemoteAddr, req.Method, req.Headers, req.Body,
		req.RequestKind, req.Outcome, req.AnswerStatus, req.AnswerBody, req.Error, hash,
		req.RepeatOf, req.MessageCount,
	).Scan(&req.ID, &req.ReceivedAt)
}

// FindHookRequestByID returns one recorded request of the tenant.
func (d *DB) FindHookRequestByID(ctx context.Context, tenantID, id int64) (HookRequest, error) {
	c := tenantConds(tenantID)
	c.add("id = $%d", id)
	x, err := only(d.findHookRequests(ctx, tenantID, c, 1))
	if err != nil {
		return HookRequest{}, fmt.Errorf("find hook request %d: %w", id, err)
	}
	return x, nil
}

// HookRequestFilter selects recorded requests, newest first. BeforeID
// continues a page: only requests with a smaller id.
type HookRequestFilter struct {
	Outcome  string
	Kind     string
	BeforeID int64
	Limit    int
}

// FindHookRequests returns the tenant's recorded requests, newest first.
func (d *DB) FindHookRequests(
	ctx context.Context, tenantID int64, f HookRequestFilter,
) ([]HookRequest, error) {
	c := tenantConds(tenantID)
	if f.Outcome != "" {
		c.add("outcome = $%d", f.Outcome)
	}
	if f.Kind != "" {
		c.add("request_kind = $%d", f.Kind)
	}
	if f.BeforeID > 0 {
		c.add("id < $%d", f.BeforeID)
	}
	reqs, err := d.findHookRequests(ctx, tenantID, c, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("find hook requests: %w", err)
	}
	return reqs, nil
}

// FindLastHandshake returns the tenant's latest authenticate request, or
// [ErrNotFound] when the platform never authenticated.
func (d *DB) FindLastHandshake(ctx context.Context, tenantID int64) (HookRequest, error) {
	c := tenantConds(tenantID)
	c.add("request_kind = $%d", "authenticate")
	x, err := only(d.findHookRequests(ctx, tenantID, c, 1))
	if err != nil {
		return HookRequest{}, fmt.Errorf("find last handshake: %w", err)
	}
	return x, nil
}

func (d *DB) findHookRequests(
	ctx context.Context, tenantID int64, c *conds, n int,
) ([]HookRequest, error) {
	var reqs []HookRequest
	err := d.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT tenant_id, id, received_at, remote_addr, method, headers, body, request_kind,
			       outcome, answer_status, answer_body, error,
			       coalesce(messages_hash, '') AS messages_hash, repeat_of, message_count
			FROM hook_requests
			WHERE `+c.where()+`
			ORDER BY id DESC
			LIMIT `+c.limit(n), c.args...)
		var err error
		reqs, err = pgx.CollectRows(rows, pgx.RowToStructByName[HookRequest])
		return err
	})
	return reqs, err
}
