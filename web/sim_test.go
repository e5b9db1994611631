package web_test

import (
	"context"
	"testing"
	"time"

	"citylink/carcity"
	"citylink/db"
	"citylink/web"
)

// TestSimulatorRoundTrip has the simulated platform shake hands with a
// tenant's notification URL in each auth mode, then deliver.
func TestSimulatorRoundTrip(t *testing.T) {
	cases := []struct {
		name       string
		authMode   string
		allowPlain bool
		noKey      bool
		wantMode   string
	}{
		{name: "ImmediateWithKey", authMode: "immediate", wantMode: "immediate"},
		{name: "ImmediatePlain", authMode: "immediate", allowPlain: true, noKey: true, wantMode: "plain"},
		{name: "ImmediateWithoutKeyFallsBackToPassive", authMode: "immediate", noKey: true, wantMode: "passive"},
		{name: "Passive", authMode: "passive", wantMode: "passive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			acme := mustCreateTenant(t, a.db, "acme")
			sim := withSimulator(t, a, acme, carcity.SimConfig{NoKey: tc.noKey, RetryBase: 20 * time.Millisecond})
			mustSetCredentials(t, a.db, acme, db.CredentialsUpdate{AuthMode: &tc.authMode, AllowPlain: &tc.allowPlain})
			sim.SetNotifyURL(a.srv.URL + web.NotificationPath(acme))
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()

			res, err := sim.Authenticate(ctx, !tc.noKey)
			if err != nil || !res.OK {
				t.Fatalf("handshake: got %+v (%v), want accepted", res, err)
			}
			if res.Mode != tc.wantMode {
				t.Errorf("mode: got %q, want %q", res.Mode, tc.wantMode)
			}
			// A passive answer is followed by authenticate_notifications,
			// sent by a background job.
			if err := sim.WaitAuthenticated(ctx); err != nil {
				t.Fatalf("the simulator was never authenticated: %v", err)
			}

			go func() { _ = sim.Run(ctx) }()
			d := sim.Deliver(carcity.ExampleDelivery())
			if err := d.Wait(ctx); err != nil {
				t.Fatalf("delivery not confirmed: %v", err)
			}
			if got := countNotifications(t, a.db, acme); got != 2 {
				t.Errorf("stored: got %d, want 2", got)
			}
			audit, err := a.db.FindAuditEvents(ctx, acme.ID,
				db.AuditFilter{Action: "platform.authenticate", Limit: 10})
			if err != nil || len(audit) != 1 {
				t.Errorf("audit: got %d handshake events (%v), want 1", len(audit), err)
			}
		})
	}
}

// TestSimulatorResend has the platform deliver while the tenant is
// disabled: the error answer makes it send again, and once the tenant is
// enabled the delivery is stored once.
func TestSimulatorResend(t *testing.T) {
	a := newTestApp(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	acme := mustCreateTenant(t, a.db, "acme")
	sim := withSimulator(t, a, acme, carcity.SimConfig{SkipHandshake: true, RetryBase: 100 * time.Millisecond,
		RetryMax: 200 * time.Millisecond})
	sim.SetNotifyURL(a.srv.URL + web.NotificationPath(acme))
	if err := a.db.UpdateTenantDisabled(ctx, acme.ID, true); err != nil {
		t.Fatal(err)
	}
	go func() { _ = sim.Run(ctx) }()
	d := sim.Deliver(carcity.ExampleDelivery())

	for len(d.Attempts()) < 2 {
		select {
		case <-ctx.Done():
			t.Fatalf("got %d attempts, want 2 refused ones first", len(d.Attempts()))
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := a.db.UpdateTenantDisabled(ctx, acme.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Wait(ctx); err != nil {
		t.Fatalf("delivery not confirmed after enabling: %v", err)
	}
	attempts := d.Attempts()
	if attempts[0].OK || attempts[len(attempts)-1].OK == false {
		t.Errorf("attempts: got %+v, want refusals then OK", attempts)
	}
	if got := countNotifications(t, a.db, acme); got != 2 {
		t.Errorf("stored: got %d, want 2 (stored once)", got)
	}
	if got := countRequests(t, a.db, acme); got != len(attempts) {
		t.Errorf("recorded: got %d requests, want %d (every attempt)", got, len(attempts))
	}
}
