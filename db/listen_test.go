package db_test

import (
	"context"
	"testing"
	"time"

	"citylink/db/dbtest"
)

func TestListenDeliveries(t *testing.T) {
	d := dbtest.New(t)
	tn := dbtest.MustCreateTenant(t, d, "demo")
	ctx, cancel := context.WithCancel(context.Background())
	heard := make(chan int64, 100)
	done := make(chan error, 1)
	go func() { done <- d.ListenDeliveries(ctx, func(id int64) { heard <- id }) }()

	// LISTEN starts at some moment after the goroutine: deliver until the
	// listener hears one.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case id := <-heard:
			if id != tn.ID {
				t.Errorf("got tenant %d, want %d", id, tn.ID)
			}
			break loop
		case <-tick.C:
			_, err := d.CreateDelivery(ctx, delivery(tn.ID, "", time.Now()), exampleMessages)
			if err != nil {
				t.Fatalf("deliver: %v", err)
			}
		case <-deadline:
			t.Fatalf("heard of no delivery within 10s")
		}
	}

	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("got nil, want the error of the ended context")
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("ListenDeliveries did not return after its context ended")
	}
}
