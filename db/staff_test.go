package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"citylink/db"
	"citylink/db/dbtest"
)

func TestMembers_LastOwner(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, dbtest.URL(t))
	tn := dbtest.MustCreateTenant(t, d, "alpha")
	ann := dbtest.MustCreateUser(t, d, "ann@alpha.test", "h")
	bob := dbtest.MustCreateUser(t, d, "bob@alpha.test", "h")
	dbtest.MustAddMember(t, d, tn.ID, ann.ID, "owner")
	dbtest.MustAddMember(t, d, tn.ID, bob.ID, "viewer")

	t.Run("Demote", func(t *testing.T) {
		if err := d.UpdateMemberRole(ctx, tn.ID, ann.ID, "admin"); !errors.Is(err, db.ErrLastOwner) {
			t.Errorf("got %v, want ErrLastOwner", err)
		}
	})
	t.Run("Remove", func(t *testing.T) {
		if err := d.DeleteMembership(ctx, tn.ID, ann.ID); !errors.Is(err, db.ErrLastOwner) {
			t.Errorf("got %v, want ErrLastOwner", err)
		}
	})
	t.Run("OtherMember", func(t *testing.T) {
		if err := d.UpdateMemberRole(ctx, tn.ID, bob.ID, "operator"); err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		m, err := d.FindMember(ctx, tn.ID, bob.ID)
		if err != nil || m.Role != "operator" || m.Email != "bob@alpha.test" {
			t.Errorf("got %+v, %v, want bob as operator", m, err)
		}
	})
	t.Run("NotAMember", func(t *testing.T) {
		if err := d.DeleteMembership(ctx, tn.ID, 424242); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("ConcurrentDemotions", func(t *testing.T) {
		// With two owners, demoting both at once must leave one: the lock
		// on the tenant's memberships orders the two counts.
		dbtest.MustAddMember(t, d, tn.ID, bob.ID, "owner")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, u := range []int64{ann.ID, bob.ID} {
			wg.Go(func() { errs[i] = d.UpdateMemberRole(ctx, tn.ID, u, "admin") })
		}
		wg.Wait()
		ms, err := d.FindMembers(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		owners := 0
		for _, m := range ms {
			if m.Role == "owner" {
				owners++
			}
		}
		if owners != 1 {
			t.Errorf("got %d owners (errors %v), want 1", owners, errs)
		}
	})
}

func TestInvites(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, dbtest.URL(t))
	tn := dbtest.MustCreateTenant(t, d, "alpha")
	ann := dbtest.MustCreateUser(t, d, "ann@alpha.test", "h")
	dbtest.MustAddMember(t, d, tn.ID, ann.ID, "owner")

	t.Run("NewUser", func(t *testing.T) {
		inv, token, err := d.CreateInvite(ctx, tn.ID, " New@Alpha.test ", "viewer", ann.ID)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if time.Until(inv.ExpiresAt) < 6*24*time.Hour || inv.Email != "new@alpha.test" {
			t.Errorf("got %+v, want new@alpha.test expiring in 7 days", inv)
		}
		found, err := d.FindInviteByToken(ctx, token)
		if err != nil || found.ID != inv.ID {
			t.Fatalf("find: got %+v, %v, want invite %d", found, err, inv.ID)
		}
		u, err := d.AcceptInviteAsNewUser(ctx, found, "hash")
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		m, err := d.FindMember(ctx, tn.ID, u.ID)
		if err != nil || m.Role != "viewer" {
			t.Errorf("got %+v, %v, want a viewer", m, err)
		}
		if _, err := d.FindInviteByToken(ctx, token); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("used again: got %v, want ErrNotFound", err)
		}
		if err := d.AcceptInvite(ctx, found, ann.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("accepted twice: got %v, want ErrNotFound", err)
		}
	})
	t.Run("ExistingMemberKeepsRole", func(t *testing.T) {
		inv, _, err := d.CreateInvite(ctx, tn.ID, "ann@alpha.test", "viewer", ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.AcceptInvite(ctx, inv, ann.ID); err != nil {
			t.Fatalf("accept: %v", err)
		}
		if m, err := d.FindMember(ctx, tn.ID, ann.ID); err != nil || m.Role != "owner" {
			t.Errorf("got %+v, %v, want ann still owner", m, err)
		}
	})
	t.Run("Revoked", func(t *testing.T) {
		inv, token, err := d.CreateInvite(ctx, tn.ID, "gone@alpha.test", "viewer", ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.RevokeInvite(ctx, tn.ID, inv.ID); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		if _, err := d.FindInviteByToken(ctx, token); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
		pending, err := d.FindPendingInvites(ctx, tn.ID)
		if err != nil || len(pending) != 0 {
			t.Errorf("got %+v, %v, want no pending invites", pending, err)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		inv, token, err := d.CreateInvite(ctx, tn.ID, "late@alpha.test", "viewer", ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		withTx(t, d.Pool, tn.ID, func(tx pgx.Tx) {
			_, err := tx.Exec(ctx, `UPDATE invites SET expires_at = now() - interval '1 second'
				WHERE tenant_id = $1 AND id = $2`, tn.ID, inv.ID)
			if err == nil {
				err = tx.Commit(ctx)
			}
			if err != nil {
				t.Fatalf("expire: %v", err)
			}
		})
		if _, err := d.FindInviteByToken(ctx, token); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("find: got %v, want ErrNotFound", err)
		}
		if _, err := d.AcceptInviteAsNewUser(ctx, inv, "h"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("accept: got %v, want ErrNotFound", err)
		}
		if _, err := d.FindUserByEmail(ctx, "late@alpha.test"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the refused acceptance left a user behind: %v", err)
		}
	})
	t.Run("UnknownToken", func(t *testing.T) {
		if _, err := d.FindInviteByToken(ctx, "nonsense"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("BadRole", func(t *testing.T) {
		_, _, err := d.CreateInvite(ctx, tn.ID, "x@alpha.test", "emperor", ann.ID)
		if !errors.Is(err, db.ErrInvalid) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
}

func TestLoginAttempts(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, dbtest.URL(t))
	const window = 15 * time.Minute
	start := func(email, addr string) time.Time {
		t.Helper()
		until, err := d.StartLoginAttempt(ctx, email, addr, 5, window)
		if err != nil {
			t.Fatalf("attempt of %s from %s: %v", email, addr, err)
		}
		return until
	}

	for i := range 5 {
		if until := start("Ann@alpha.test", "10.0.0."+string(rune('1'+i))); !until.IsZero() {
			t.Fatalf("attempt %d: got locked until %v, want not locked", i+1, until)
		}
	}
	for _, addr := range []string{"10.0.0.9", "10.0.0.9"} {
		until := start("ANN@alpha.test", addr)
		if time.Until(until) < 14*time.Minute || time.Until(until) > window {
			t.Errorf("by email: got %v, want about 15 minutes from now", until)
		}
	}
	if until := start("other@alpha.test", "10.0.0.1"); !until.IsZero() {
		t.Errorf("other email and address: got %v, want not locked", until)
	}
	if err := d.DeleteLoginFailures(ctx, "ann@alpha.test"); err != nil {
		t.Fatal(err)
	}
	if until := start("ann@alpha.test", "10.0.0.8"); !until.IsZero() {
		t.Errorf("after success: got %v, want not locked", until)
	}

	// Failures older than the window are pruned by the next attempt.
	_, err := d.Pool.Exec(ctx, `INSERT INTO login_failures (email, remote_addr, at)
		VALUES ('old@alpha.test', '10.0.0.3', now() - interval '1 hour')`)
	if err != nil {
		t.Fatal(err)
	}
	start("new@alpha.test", "10.0.0.3")
	var old int
	err = d.Pool.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE email = 'old@alpha.test'`).
		Scan(&old)
	if err != nil || old != 0 {
		t.Errorf("got %d old failures, %v, want them pruned", old, err)
	}
}

func TestLoginAttempts_Parallel(t *testing.T) {
	// Twenty guesses at once may not all get a password check: each counts
	// the others' recorded attempts before its own is checked.
	ctx := context.Background()
	d := dbtest.Open(t, dbtest.URL(t))
	var wg sync.WaitGroup
	var mu sync.Mutex
	let := 0
	for range 20 {
		wg.Go(func() {
			until, err := d.StartLoginAttempt(ctx, "ann@alpha.test", "10.0.0.1", 5, 15*time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if until.IsZero() {
				mu.Lock()
				let++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if let > 5 {
		t.Errorf("got %d attempts let through, want at most 5", let)
	}
}
