package db_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"citylink/db"
	"citylink/db/dbtest"
)

func TestCommandTemplates(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	demo := dbtest.MustCreateTenant(t, d, "demo")
	other := dbtest.MustCreateTenant(t, d, "other")

	tpl := db.CommandTemplate{TenantID: demo.ID, Name: "Walk-in", Command: "create_lead",
		Params: []db.Pair{{"first_name", "Jane"}, {"zip", "02134"}}}
	created, err := d.CreateCommandTemplate(ctx, tpl)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Run("Find", func(t *testing.T) {
		got, err := d.FindCommandTemplateByID(ctx, demo.ID, created.ID)
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		if !reflect.DeepEqual(got.Params, tpl.Params) || got.Name != tpl.Name {
			t.Errorf("got %+v, want %+v", got, tpl)
		}
	})
	t.Run("UniqueNamePerTenant", func(t *testing.T) {
		if _, err := d.CreateCommandTemplate(ctx, tpl); !errors.Is(err, db.ErrConflict) {
			t.Errorf("same name again: got %v, want ErrConflict", err)
		}
		tpl2 := tpl
		tpl2.TenantID = other.ID
		if _, err := d.CreateCommandTemplate(ctx, tpl2); err != nil {
			t.Errorf("same name in another tenant: got %v, want nil", err)
		}
	})
	t.Run("OtherTenantSeesNothing", func(t *testing.T) {
		_, err := d.FindCommandTemplateByID(ctx, other.ID, created.ID)
		if !errors.Is(err, db.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
		if err := d.DeleteCommandTemplate(ctx, other.ID, created.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("delete from another tenant: got %v, want ErrNotFound", err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if err := d.DeleteCommandTemplate(ctx, demo.ID, created.ID); err != nil {
			t.Fatalf("delete: %v", err)
		}
		ts, err := d.FindCommandTemplates(ctx, demo.ID)
		if err != nil || len(ts) != 0 {
			t.Errorf("after delete: got %v (%v), want none", ts, err)
		}
	})
}

func TestHandshakeFollowUp(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	demo := dbtest.MustCreateTenant(t, d, "demo")
	if _, err := d.FindHandshakeFollowUp(ctx, demo.ID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("before any: got %v, want ErrNotFound", err)
	}
	next := time.Now().Add(time.Minute).Truncate(time.Microsecond)
	for _, f := range []db.HandshakeFollowUp{
		{TenantID: demo.ID, State: "pending", NextAt: &next},
		{TenantID: demo.ID, State: "retrying", Attempts: 2, LastError: "HTTP 500", NextAt: &next},
	} {
		if err := d.UpsertHandshakeFollowUp(ctx, f); err != nil {
			t.Fatalf("upsert %s: %v", f.State, err)
		}
	}
	got, err := d.FindHandshakeFollowUp(ctx, demo.ID)
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	if got.State != "retrying" || got.Attempts != 2 || got.LastError != "HTTP 500" ||
		got.NextAt == nil || !got.NextAt.Equal(next) {
		t.Errorf("got %+v, want retrying after 2 tries with the error and next try", got)
	}
	if err := d.UpsertHandshakeFollowUp(ctx, db.HandshakeFollowUp{TenantID: demo.ID,
		State: "lost"}); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("unknown state: got %v, want ErrInvalid", err)
	}
}

func TestHandshakeFollowUp_StartKeepsAnActiveOne(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	demo := dbtest.MustCreateTenant(t, d, "demo")
	if err := d.StartHandshakeFollowUp(ctx, demo.ID); err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := d.UpsertHandshakeFollowUp(ctx, db.HandshakeFollowUp{TenantID: demo.ID,
		State: "retrying", Attempts: 4, LastError: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	if err := d.StartHandshakeFollowUp(ctx, demo.ID); err != nil {
		t.Fatalf("start again: %v", err)
	}
	f, err := d.FindHandshakeFollowUp(ctx, demo.ID)
	if err != nil || f.State != "retrying" || f.Attempts != 4 {
		t.Errorf("while retrying: got %+v (%v), want it kept", f, err)
	}
	if err := d.UpsertHandshakeFollowUp(ctx, db.HandshakeFollowUp{TenantID: demo.ID,
		State: "succeeded", Attempts: 5}); err != nil {
		t.Fatal(err)
	}
	if err := d.StartHandshakeFollowUp(ctx, demo.ID); err != nil {
		t.Fatal(err)
	}
	if f, _ := d.FindHandshakeFollowUp(ctx, demo.ID); f.State != "pending" || f.Attempts != 0 {
		t.Errorf("after success: got %+v, want a new pending follow-up", f)
	}
}
