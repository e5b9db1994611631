package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"citylink/db/dbtest"
	"citylink/web"
)

// TestDemo_Seed prepares the demo twice, as two runs would, and checks that
// its admin can sign in and that the platform's example handshake, posted
// to the demo's notification URL, gets the answer the platform's text shows.
func TestDemo_Seed(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	var tenantID int64
	for _, password := range []string{"first demo password", "second demo password"} {
		tenant, err := seedDemo(ctx, d, password, "http://127.0.0.1:1/service")
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
		if tenantID != 0 && tenant.ID != tenantID {
			t.Errorf("the second run made another tenant: %d, want %d", tenant.ID, tenantID)
		}
		tenantID = tenant.ID
	}
	user, err := d.FindUserByEmail(ctx, demoEmail)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := web.CheckPassword(user.PasswordHash, "second demo password"); !ok {
		t.Errorf("the admin cannot sign in with the password of the latest run")
	}

	app, err := web.New(web.Config{}, d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	tenant, err := d.FindTenantBySlug(ctx, demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Post(srv.URL+web.NotificationPath(tenant), "application/json",
		strings.NewReader(`{"request":"authenticate","key":"0123456789abcdefg"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	want := `{"ai_login_id":"apiuser","ai_login_password":"8f3a4830f39f4ae665d3050123aa59bc"}`
	if string(body) != want {
		t.Errorf("example handshake: got %s, want %s", body, want)
	}
}
