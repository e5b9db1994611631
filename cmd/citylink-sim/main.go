// Command citylink-sim runs the dealer platform simulator: a command
// endpoint on --addr, and a pusher that sends the authenticate handshake
// and deliveries to the --notify URL of the first account.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"citylink/carcity"
)

// options are the command line settings that are not part of the
// simulator's own configuration.
type options struct {
	addr    string
	every   time.Duration
	example bool
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(os.Args[1:], os.Stderr, logger); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		logger.Error("citylink-sim stopped", "error", err)
		os.Exit(1)
	}
}

func run(args []string, usage io.Writer, logger *slog.Logger) error {
	cfg, opts, err := parseFlags(args, usage)
	if err != nil {
		return err
	}
	cfg.Logf = func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) }

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	sim := carcity.NewSimulator(cfg)
	srv := &http.Server{Handler: accessLog(logger, sim), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ran := make(chan error, 1)
	go func() { ran <- sim.Run(ctx) }()

	logger.Info("simulator listening", "addr", ln.Addr().String(), "accounts", len(cfg.Accounts))
	if cfg.NotifyURL == "" {
		logger.Info("no --notify URL: only the command endpoint runs")
	} else {
		logger.Info("pushing notifications", "host", hostOf(cfg.NotifyURL),
			"key_auth", !cfg.NoKey, "ignore_confirmation", cfg.IgnoreConfirmation)
	}
	if opts.example {
		sim.Deliver(carcity.ExampleDelivery())
	}
	if opts.every > 0 {
		go generate(ctx, sim, opts.every)
	}

	select {
	case <-ctx.Done():
	case err = <-served:
	}
	stop()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutdown); err == nil {
		err = serr
	}
	<-ran
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// parseFlags reads the command line into a simulator configuration.
func parseFlags(args []string, usage io.Writer) (carcity.SimConfig, options, error) {
	var cfg carcity.SimConfig
	opts := options{addr: "127.0.0.1:8090", example: true}
	fs := flag.NewFlagSet("citylink-sim", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&opts.addr, "addr", opts.addr, "address of the command endpoint")
	fs.Func("account", "an API account `ID:PASSWORD[:COMM_KEY]` (repeatable; the first "+
		"gets the notifications; end with ':' when the password holds one)", func(s string) error {
		a, err := parseAccount(s)
		cfg.Accounts = append(cfg.Accounts, a)
		return err
	})
	fs.Func("site-user", "a site user `USERNAME:PASSWORD` for validate_user and "+
		"user_login_token (repeatable)", func(s string) error {
		name, password, ok := strings.Cut(s, ":")
		if !ok || name == "" {
			return errors.New("want USERNAME:PASSWORD")
		}
		cfg.SiteUsers = append(cfg.SiteUsers,
			carcity.SiteUser{ID: len(cfg.SiteUsers) + 1, Username: name, Password: password})
		return nil
	})
	fs.StringVar(&cfg.NotifyURL, "notify", "", "the client's notification `URL` for the first account")
	fs.BoolVar(&cfg.NoKey, "no-key", false, "authenticate without a key (plain password answer)")
	fs.BoolVar(&cfg.IgnoreConfirmation, "ignore-confirmation", false,
		"push each delivery once, whatever the answer")
	fs.DurationVar(&opts.every, "every", 0, "push a random message this often (0 = off)")
	fs.BoolVar(&opts.example, "example", opts.example,
		"push the platform's example delivery at start, after the handshake")
	if err := fs.Parse(args); err != nil {
		return cfg, opts, err
	}
	if fs.NArg() > 0 {
		return cfg, opts, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if len(cfg.Accounts) == 0 {
		cfg.Accounts = []carcity.Account{
			{LoginID: "apiuser", Password: "APIuser123", CommKey: "commkey-123"},
		}
	}
	return cfg, opts, nil
}

// parseAccount splits ID:PASSWORD[:COMM_KEY]. The id ends at the first
// colon and the comm key starts after the last one, so a password that
// contains a colon needs a trailing colon (an empty comm key).
func parseAccount(s string) (carcity.Account, error) {
	id, rest, ok := strings.Cut(s, ":")
	if !ok || id == "" {
		return carcity.Account{}, errors.New("want ID:PASSWORD[:COMM_KEY]")
	}
	a := carcity.Account{LoginID: id, Password: rest}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		a.Password, a.CommKey = rest[:i], rest[i+1:]
	}
	if a.Password == "" {
		return carcity.Account{}, fmt.Errorf("account %q has no password", id)
	}
	return a, nil
}

// generate queues a random message every interval until ctx ends.
func generate(ctx context.Context, sim *carcity.Simulator, every time.Duration) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sim.Deliver([]carcity.Message{carcity.RandomMessage(r)})
		}
	}
}

// hostOf returns the host of a notify URL: its path holds the client's
// secret hook token, which is never logged.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Host
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// accessLog logs one line per command request. Bodies are never logged:
// they carry credentials.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration", time.Since(start))
	})
}
