package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citylink/carcity"
	"citylink/db"
	"citylink/db/dbtest"
	"citylink/web"
)

// built is the citylink command, built once for all the tests that run
// the real binary; TestMain removes it at the end.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary builds the citylink command once per test run.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "citylink-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "citylink")
		out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("%w\n%s", err, out)
		}
	})
	if built.err != nil {
		tb.Fatalf("build citylink: %v", built.err)
	}
	return built.bin
}

// demoDB is a fresh database with the tenant "demo" and one member of it,
// whose password is staffPassword.
func demoDB(tb testing.TB, email, role string) (string, *db.DB, db.Tenant) {
	tb.Helper()
	dbURL := dbtest.URL(tb)
	d := dbtest.Open(tb, dbURL)
	tenant, err := d.CreateTenant(context.Background(), "demo", "Demo Motors")
	if err != nil {
		tb.Fatal(err)
	}
	mustStaff(tb, d, tenant, email, role)
	return dbURL, d, tenant
}

// demoSimulator starts a simulated platform whose account the tenant's
// credentials name.
func demoSimulator(tb testing.TB, d *db.DB, tenant db.Tenant, cfg carcity.SimConfig) *carcity.Simulator {
	tb.Helper()
	account := carcity.Account{LoginID: "demo-dealer", Password: "s3cret-password", CommKey: "ck-123"}
	cfg.Accounts = []carcity.Account{account}
	sim := carcity.NewSimulator(cfg)
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	_, err := d.UpdateCredentials(context.Background(), tenant.ID, db.CredentialsUpdate{
		ServiceURL: ptr(srv.URL + "/service"), LoginID: &account.LoginID,
		Password: &account.Password, CommKey: &account.CommKey,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return sim
}

// signInSteps are the browser's steps to sign in on the sign-in page.
func signInSteps(base, email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Submit(chromedp.CSS(`[data-testid="login-form"]`)),
	)
}

// freeAddr is a loopback address no one listens on right now.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs the real binary's serve command on a database and waits
// until it is ready.
func startServe(tb testing.TB, bin, dbURL string, extraEnv ...string) string {
	tb.Helper()
	addr := freeAddr(tb)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "CITYLINK_SECRET_KEY="+dbtest.SecretKey,
		"CITYLINK_ADDR="+addr, "CITYLINK_DATA_DIR="+tb.TempDir())
	cmd.Env = append(cmd.Env, extraEnv...)
	logs := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start citylink: %v", err)
	}
	tb.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if tb.Failed() {
			tb.Logf("citylink output:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("citylink did not become ready:\n%s", logs.String())
	return ""
}

// newBrowser starts headless Chromium. Without Chromium the test is
// skipped, except in CI, where a skipped browser test must fail.
func newBrowser(tb testing.TB) context.Context {
	tb.Helper()
	path := os.Getenv("CITYLINK_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("chromium is not installed; CI must run the browser tests")
		}
		tb.Skip("chromium is not installed (scripts/test installs it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(tb.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	tb.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

func TestBrowser_FirstRun(t *testing.T) {
	ctx := newBrowser(t)
	bin := buildBinary(t)
	dbURL, d, tenant := demoDB(t, "admin@demo.test", "owner")
	sim := demoSimulator(t, d, tenant, carcity.SimConfig{RetryBase: 50 * time.Millisecond})

	base := startServe(t, bin, dbURL, allowSimulator)
	sim.SetNotifyURL(base + web.NotificationPath(tenant))
	simCtx, stopSim := context.WithCancel(context.Background())
	t.Cleanup(stopSim)
	go func() { _ = sim.Run(simCtx) }()
	delivery := sim.Deliver(carcity.ExampleDelivery())
	waitCtx, cancelWait := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancelWait()
	if err := delivery.Wait(waitCtx); err != nil {
		t.Fatalf("the example delivery was not confirmed: %v (attempts %+v)", err, delivery.Attempts())
	}

	err := chromedp.Do(ctx,
		signInSteps(base, "admin@demo.test", staffPassword),
		// Signing in leads to the dashboard.
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="today-count"]`)),
		chromedp.Navigate(base+"/t/demo/notifications"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="notification-row"]`)),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	notifications, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#notification-rows`)))
	if err != nil {
		t.Fatalf("read notifications: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/t/demo/commands"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="command-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="command"]`), "create_lead"),
		chromedp.SendKeys(chromedp.CSS(paramInput(1, "param")), "first_name"),
		chromedp.SendKeys(chromedp.CSS(paramInput(1, "value")), "Jane"),
		chromedp.SendKeys(chromedp.CSS(paramInput(2, "param")), "last_name"),
		chromedp.SendKeys(chromedp.CSS(paramInput(2, "value")), "Roe"),
		chromedp.Submit(chromedp.CSS(`[data-testid="command-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="result-status"]`)),
	)
	if err != nil {
		t.Fatalf("send create_lead: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="result-status"]`)))
	if err != nil {
		t.Fatalf("read the result: %v", err)
	}
	if !strings.Contains(notifications, "Hello World") || !strings.Contains(notifications, "John Doe") {
		t.Errorf("notifications: got %q, want Hello World and John Doe", notifications)
	}
	if strings.TrimSpace(status) != "0" {
		t.Errorf("create_lead status: got %q, want 0", status)
	}
	if leads := sim.Leads(); len(leads) != 1 {
		t.Errorf("the simulator has %d leads, want 1", len(leads))
	}
}

// allowSimulator lets the binary send commands to the simulator, which
// listens on loopback over plain http.
const allowSimulator = "CITYLINK_ALLOW_TARGETS=127.0.0.0/8"

// paramInput selects the name or value input of the console's n-th row.
func paramInput(n int, field string) string {
	return fmt.Sprintf(`#param-rows .param-row:nth-child(%d) input[name=%q]`, n, field)
}

// staffPassword is the password of staff the browser tests create.
const staffPassword = "a long enough password"

func mustStaff(tb testing.TB, d *db.DB, t db.Tenant, email, role string) db.User {
	tb.Helper()
	hash, err := web.HashPassword(staffPassword)
	if err != nil {
		tb.Fatal(err)
	}
	u, err := d.CreateUser(context.Background(), email, hash)
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}
	if err := d.UpsertMembership(context.Background(), t.ID, u.ID, role); err != nil {
		tb.Fatalf("add membership: %v", err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }

// TestBrowser_InviteViewer has an admin invite a viewer, the viewer accept
// the link with a new password and sign in, and find the settings page
// without its form.
func TestBrowser_InviteViewer(t *testing.T) {
	ctx := newBrowser(t)
	bin := buildBinary(t)
	dbURL, _, _ := demoDB(t, "admin@demo.test", "admin")
	base := startServe(t, bin, dbURL)

	err := chromedp.Do(ctx,
		signInSteps(base, "admin@demo.test", staffPassword),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="account-link"]`)),
		chromedp.Navigate(base+"/t/demo/staff"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="invite-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "vera@demo.test"),
		chromedp.SetValue(chromedp.CSS(`#role`), "viewer"),
		chromedp.Submit(chromedp.CSS(`[data-testid="invite-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="invite-link"]`)),
	)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	link, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`[data-testid="invite-link"]`)))
	if err != nil {
		t.Fatalf("read the invite link: %v", err)
	}
	// The admin signs out, and the invited viewer opens the link.
	err = chromedp.Do(ctx,
		chromedp.Submit(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	)
	if err != nil {
		t.Fatalf("sign out: %v", err)
	}
	if !strings.HasPrefix(link, base+"/invite/") {
		t.Fatalf("invite link: got %q, want one under %s/invite/", link, base)
	}
	const veraPassword = "vera's own passphrase"
	err = chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="invite-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), veraPassword),
		chromedp.SendKeys(chromedp.CSS(`input[name="confirm"]`), veraPassword),
		chromedp.Submit(chromedp.CSS(`[data-testid="invite-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="account-link"]`)),
		chromedp.Submit(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "vera@demo.test"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), veraPassword),
		chromedp.Submit(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="account-link"]`)),
		chromedp.Navigate(base+"/t/demo/settings"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="notification-url"]`)),
	)
	if err != nil {
		t.Fatalf("accept and sign in: %v", err)
	}
	forms, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`document.querySelectorAll('[data-testid="settings-form"]').length`))
	if err != nil {
		t.Fatalf("count settings forms: %v", err)
	}
	nav, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`nav.nav`)))
	if err != nil {
		t.Fatalf("read the navigation: %v", err)
	}
	if forms != 0 {
		t.Errorf("settings forms for a viewer: got %d, want 0", forms)
	}
	if strings.Contains(nav, "Staff") || strings.Contains(nav, "Audit") {
		t.Errorf("navigation for a viewer: got %q, want no Staff or Audit", nav)
	}
}
