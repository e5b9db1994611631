package db_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"citylink/db"
	"citylink/db/dbtest"
)

func TestCommandAttempts(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	tn := dbtest.MustCreateTenant(t, d, "demo")
	u := dbtest.MustCreateUser(t, d, "op@demo.test", "h")
	httpStatus, status := 200, 0

	want := db.CommandAttempt{
		TenantID:     tn.ID,
		UserID:       &u.ID,
		Command:      "create_lead",
		Params:       []db.Pair{{"first_name", "John"}, {"phone", "+1 555"}, {"phone", "+1 556"}},
		AuthKind:     "plain",
		ServiceURL:   "http://127.0.0.1:9/service",
		StartedAt:    time.Now().Add(-time.Minute).Truncate(time.Microsecond),
		Duration:     1234 * time.Millisecond,
		HTTPStatus:   &httpStatus,
		Status:       &status,
		Outcome:      "ok",
		Messages:     []string{"Lead Creation Successful"},
		Fields:       []db.Pair{{"lead_id", "42"}},
		ResponseBody: "status=0&status_message=Lead+Creation+Successful&lead_id=42",
	}
	created, err := d.CreateCommandAttempt(ctx, want)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	want.ID, want.Source = created.ID, "console"

	t.Run("RoundTrip", func(t *testing.T) {
		got, err := d.FindCommandAttemptByID(ctx, tn.ID, created.ID)
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		got.StartedAt = got.StartedAt.In(want.StartedAt.Location())
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})

	failed, err := d.CreateCommandAttempt(ctx, db.CommandAttempt{
		TenantID: tn.ID, Command: "validate_user", Outcome: "timeout", Error: "no answer in 10s",
		Source: "job",
	})
	if err != nil {
		t.Fatalf("create failed attempt: %v", err)
	}

	t.Run("Failed", func(t *testing.T) {
		got, err := d.FindCommandAttemptByID(ctx, tn.ID, failed.ID)
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		if got.UserID != nil || got.HTTPStatus != nil || got.Status != nil || got.Params == nil ||
			len(got.Params) != 0 || got.Source != "job" || got.StartedAt.IsZero() {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("Filter", func(t *testing.T) {
		tests := []struct {
			name string
			f    db.CommandAttemptFilter
			want []int64
		}{
			{"All", db.CommandAttemptFilter{}, []int64{failed.ID, created.ID}},
			{"Command", db.CommandAttemptFilter{Command: "create_lead"}, []int64{created.ID}},
			{"Outcome", db.CommandAttemptFilter{Outcome: "timeout"}, []int64{failed.ID}},
			{"User", db.CommandAttemptFilter{UserID: u.ID}, []int64{created.ID}},
			{"Before", db.CommandAttemptFilter{BeforeID: failed.ID}, []int64{created.ID}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				as, err := d.FindCommandAttempts(ctx, tn.ID, tt.f)
				var got []int64
				for _, a := range as {
					got = append(got, a.ID)
				}
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %v, %v, want %v", got, err, tt.want)
				}
			})
		}
	})
}

func TestAuditEvents(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	tn := dbtest.MustCreateTenant(t, d, "demo")
	u := dbtest.MustCreateUser(t, d, "admin@demo.test", "h")
	yesterday := time.Now().Add(-24 * time.Hour)

	events := []db.AuditEvent{
		{TenantID: tn.ID, At: yesterday, ActorKind: "cli", ActorLabel: "operator",
			Action: "tenant.create"},
		{TenantID: tn.ID, ActorKind: "user", ActorID: &u.ID, ActorLabel: u.Email,
			Action: "credentials.update", Target: "credentials",
			Details:    map[string]any{"fields": []any{"password", "login_id"}},
			RemoteAddr: "192.0.2.7", UserAgent: "test"},
		{TenantID: tn.ID, ActorKind: "platform", Action: "hook.authenticate",
			Details: map[string]any{"outcome": "accepted"}},
	}
	for _, e := range events {
		if err := d.CreateAuditEvent(ctx, e); err != nil {
			t.Fatalf("create: %v", err)
		}
	}

	t.Run("Stored", func(t *testing.T) {
		es, err := d.FindAuditEvents(ctx, tn.ID, db.AuditFilter{Action: "credentials.update"})
		if err != nil || len(es) != 1 {
			t.Fatalf("got %d, %v, want 1", len(es), err)
		}
		e := es[0]
		if *e.ActorID != u.ID || e.ActorLabel != u.Email || e.RemoteAddr != "192.0.2.7" ||
			!reflect.DeepEqual(e.Details, events[1].Details) || e.At.IsZero() {
			t.Errorf("got %+v", e)
		}
	})
	t.Run("Filter", func(t *testing.T) {
		hourAgo := time.Now().Add(-time.Hour)
		tests := []struct {
			name string
			f    db.AuditFilter
			want []string
		}{
			{"All", db.AuditFilter{},
				[]string{"hook.authenticate", "credentials.update", "tenant.create"}},
			{"Actor", db.AuditFilter{ActorKind: "platform"}, []string{"hook.authenticate"}},
			{"From", db.AuditFilter{From: &hourAgo}, []string{"hook.authenticate", "credentials.update"}},
			{"To", db.AuditFilter{To: &hourAgo}, []string{"tenant.create"}},
			{"Page", db.AuditFilter{Limit: 1}, []string{"hook.authenticate"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				es, err := d.FindAuditEvents(ctx, tn.ID, tt.f)
				var got []string
				for _, e := range es {
					got = append(got, e.Action)
				}
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %v, %v, want %v", got, err, tt.want)
				}
			})
		}
	})
	t.Run("BadActor", func(t *testing.T) {
		err := d.CreateAuditEvent(ctx, db.AuditEvent{TenantID: tn.ID, ActorKind: "ghost", Action: "x"})
		if !isInvalid(err) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
}
