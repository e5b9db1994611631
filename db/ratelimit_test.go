package db_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"citylink/db/dbtest"
)

func TestTakeCommandToken(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acme := dbtest.MustCreateTenant(t, d, "acme")
	beta := dbtest.MustCreateTenant(t, d, "beta")

	for i := range 3 {
		if ok, err := d.TakeCommandToken(ctx, acme.ID, 3); err != nil || !ok {
			t.Fatalf("take %d of 3: got %v, %v, want allowed", i+1, ok, err)
		}
	}
	if ok, err := d.TakeCommandToken(ctx, acme.ID, 3); err != nil || ok {
		t.Errorf("take 4 of 3: got %v, %v, want refused", ok, err)
	}
	if ok, err := d.TakeCommandToken(ctx, beta.ID, 3); err != nil || !ok {
		t.Errorf("another tenant: got %v, %v, want a bucket of its own", ok, err)
	}
}

// TestTakeCommandToken_Concurrent takes from one bucket from many
// connections at once, as several Citylink processes would: no more than
// the allowance is granted.
func TestTakeCommandToken_Concurrent(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acme := dbtest.MustCreateTenant(t, d, "acme")
	var granted atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := d.TakeCommandToken(ctx, acme.ID, 5)
			if err != nil {
				t.Errorf("take: %v", err)
			}
			if ok {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := granted.Load(); got != 5 {
		t.Errorf("granted %d of 20 concurrent takes, want 5", got)
	}
}
