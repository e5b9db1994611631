package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"citylink/carcity"
	"citylink/db"
	"citylink/web"
)

// The demo tenant and its admin, as the README names them.
const (
	demoSlug  = "demo"
	demoName  = "Demo Motors"
	demoEmail = "admin@demo.test"
)

// demoAccount is the simulated platform account of the demo tenant. It is
// the platform's own documented example, so that the platform's example
// handshake gets the answer its text shows.
var demoAccount = carcity.Account{LoginID: "apiuser", Password: "APIuser123", CommKey: "commkey-123"}

// demoSecrets are generated once into the data folder, so that the demo
// keeps its sign-in across runs.
type demoSecrets struct {
	AdminPassword string `json:"admin_password"`
}

// dev runs Citylink as a complete demo: a local database when none is
// given, the platform simulator, a demo tenant whose credentials match the
// simulator's account, and the simulator pushing to the tenant's
// notification URL.
func dev(ctx context.Context, e env, stdout io.Writer, log *slog.Logger) error {
	secrets, err := loadDemoSecrets(filepath.Join(e.DataDir, "demo.json"))
	if err != nil {
		return err
	}
	if pw := os.Getenv("CITYLINK_DEMO_PASSWORD"); pw != "" {
		secrets.AdminPassword = pw
	}
	d, err := e.open(ctx, log, true)
	if err != nil {
		return err
	}
	defer d.Close()

	appLn, err := net.Listen("tcp", e.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	simLn, err := net.Listen("tcp", getenv("CITYLINK_SIM_ADDR", "127.0.0.1:8090"))
	if err != nil {
		return fmt.Errorf("listen for the simulator: %w", err)
	}
	appURL := "http://" + appLn.Addr().String()
	if e.PublicURL == "" {
		e.PublicURL = appURL
	}
	serviceURL := "http://" + simLn.Addr().String() + "/service"
	// The simulator listens on loopback over plain http, which the outbound
	// guard refuses unless allowed.
	e.AllowTargets = "127.0.0.0/8," + e.AllowTargets

	tenant, err := seedDemo(ctx, d, secrets.AdminPassword, serviceURL)
	if err != nil {
		return fmt.Errorf("prepare the demo tenant: %w", err)
	}
	hookURL := strings.TrimRight(e.PublicURL, "/") + web.NotificationPath(tenant)

	sim := carcity.NewSimulator(carcity.SimConfig{
		Accounts:          []carcity.Account{demoAccount},
		NotifyURL:         hookURL,
		LeadNotifications: true,
		Logf: func(format string, args ...any) {
			log.Info("simulator: " + fmt.Sprintf(format, args...))
		},
	})
	simSrv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = simSrv.Serve(simLn) }()
	defer simSrv.Close()
	go demoTraffic(ctx, sim, appURL)

	fmt.Fprintf(stdout, `
Citylink is running.

  open         %s/login
  sign in as   %s
  password     %s
  notification URL of the demo tenant:
               %s
  simulated platform service URL: %s

Stop with Ctrl-C. The private PostgreSQL, when one was started, keeps
running for the next run; "go run ./cmd/citylink localdb stop" stops it.
`, appURL, demoEmail, secrets.AdminPassword, hookURL, serviceURL)
	return runApp(ctx, e, d, appLn, log)
}

func loadDemoSecrets(path string) (demoSecrets, error) {
	var s demoSecrets
	b, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("read %s: %w", path, err)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return s, fmt.Errorf("read demo secrets: %w", err)
	}
	s = demoSecrets{AdminPassword: randomWord(16)}
	b, err = json.MarshalIndent(s, "", "  ")
	if err != nil {
		return s, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return s, fmt.Errorf("create data folder: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return s, fmt.Errorf("write demo secrets: %w", err)
	}
	return s, nil
}

// randomWord is n letters and digits from a cryptographic source, easy to
// type from a terminal.
func randomWord(n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// seedDemo makes sure the demo tenant exists with an owner who can sign in
// with the printed password, and credentials that match the simulator.
func seedDemo(ctx context.Context, d *db.DB, adminPassword, serviceURL string) (db.Tenant, error) {
	t, err := d.FindTenantBySlug(ctx, demoSlug)
	if errors.Is(err, db.ErrNotFound) {
		t, err = d.CreateTenant(ctx, demoSlug, demoName)
	}
	if err != nil {
		return t, err
	}
	hash, err := web.HashPassword(adminPassword)
	if err != nil {
		return t, fmt.Errorf("demo password: %w", err)
	}
	user, err := d.FindUserByEmail(ctx, demoEmail)
	switch {
	case errors.Is(err, db.ErrNotFound):
		user, err = d.CreateUser(ctx, demoEmail, hash)
	case err == nil:
		_, err = d.UpdateUserPassword(ctx, user.ID, hash)
	}
	if err != nil {
		return t, err
	}
	if err := d.UpsertMembership(ctx, t.ID, user.ID, "owner"); err != nil {
		return t, err
	}
	mode, plain := "immediate", false
	_, err = d.UpdateCredentials(ctx, t.ID, db.CredentialsUpdate{
		ServiceURL: &serviceURL, LoginID: &demoAccount.LoginID, Password: &demoAccount.Password,
		CommKey:  &demoAccount.CommKey,
		AuthMode: &mode, AllowPlain: &plain,
	})
	return t, err
}

// demoTraffic plays the platform's part once the app answers: the
// handshake, the platform's example delivery, then now and then a
// realistic message.
func demoTraffic(ctx context.Context, sim *carcity.Simulator, appURL string) {
	if !waitReady(ctx, appURL+"/readyz") {
		return
	}
	// Run authenticates first, then pushes what is queued, re-sending what
	// is not confirmed.
	go func() { _ = sim.Run(ctx) }()
	sim.Deliver(carcity.ExampleDelivery())
	every := 45 * time.Second
	if d, err := time.ParseDuration(os.Getenv("CITYLINK_SIM_EVERY")); err == nil {
		every = d
	}
	if every <= 0 {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	rnd := newRand()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			sim.Deliver([]carcity.Message{carcity.RandomMessage(rnd)})
		}
	}
}

func waitReady(ctx context.Context, url string) bool {
	for range 100 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}

func newRand() *mathrand.Rand {
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	return mathrand.New(mathrand.NewChaCha8(seed))
}
