// Package web is Citylink's HTTP application: the notification URLs the
// platform posts to, and the pages dealership staff use.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/riverqueue/river"

	"citylink/carcity"
	"citylink/db"
)

// Config is what the application needs to know about its surroundings.
type Config struct {
	// PublicURL is the address the world reaches Citylink at, used to show
	// each tenant its notification URL. Empty: taken from each request.
	PublicURL string
	// SecureCookies marks the session cookie Secure and gives it the
	// __Host- prefix. Only local plain-http development turns it off.
	SecureCookies bool
	// HookBodyLimit caps the size of a notification request body.
	HookBodyLimit int64
	// CommandTimeout bounds one command sent to the platform; a tenant's
	// own timeout setting can shorten it, never lengthen it.
	CommandTimeout time.Duration
	// AllowTargets are the address ranges commands may reach although
	// they are loopback, private or reserved, and the only ones plain
	// http may reach (CITYLINK_ALLOW_TARGETS).
	AllowTargets []netip.Prefix
	// CommandRate is how many commands one tenant may send per minute
	// (CITYLINK_COMMAND_RATE); zero means DefaultCommandRate.
	CommandRate int
	// TrustedProxies are the operator's reverse proxies, whose
	// X-Forwarded-For is believed (CITYLINK_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// JobRetryBase is the first delay before a failed background job is
	// tried again; it doubles on each try. Zero means 10 seconds.
	JobRetryBase time.Duration
}

// DefaultHookBodyLimit is the notification body limit when none is set.
const DefaultHookBodyLimit = 1 << 20

// Server holds the application's dependencies; its methods are the handlers.
type Server struct {
	cfg      Config
	db       *db.DB
	log      *slog.Logger
	sessions *scs.SessionManager
	client   *carcity.Client
	jobs     *river.Client[pgxTx]
	store    *pgxstore.PostgresStore
	hub      *hub
	stop     context.CancelFunc
	// background is the goroutines Start runs, which Close waits for.
	background sync.WaitGroup
}

// New builds a Server. Call Start to run its background work and Close to
// stop it.
func New(cfg Config, d *db.DB, log *slog.Logger) (*Server, error) {
	if cfg.HookBodyLimit <= 0 {
		cfg.HookBodyLimit = DefaultHookBodyLimit
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = 30 * time.Second
	}
	s := &Server{
		cfg: cfg,
		db:  d,
		log: log,
		client: &carcity.Client{HTTP: newGuardedClient(cfg.AllowTargets),
			Timeout: cfg.CommandTimeout},
		hub: newHub(),
	}
	// The store's own cleanup goroutine is left off (it races with its
	// StopCleanup); a periodic job removes expired sessions instead.
	s.store = pgxstore.NewWithCleanupInterval(d.Pool, 0)
	s.sessions = newSessionManager(s.store, cfg.SecureCookies)
	jobs, err := newJobClient(s)
	if err != nil {
		return nil, fmt.Errorf("new job client: %w", err)
	}
	s.jobs = jobs
	return s, nil
}

// Start runs the background work (job workers, the listener that feeds
// live pages) until ctx ends or Close is called.
func (s *Server) Start(ctx context.Context) error {
	ctx, s.stop = context.WithCancel(ctx)
	if err := s.jobs.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	s.background.Go(func() { s.listen(ctx) })
	return nil
}

// Close stops background work, letting running jobs finish, and waits
// for the listener to let go of its connection.
func (s *Server) Close(ctx context.Context) error {
	err := s.jobs.Stop(ctx)
	if s.stop != nil {
		s.stop()
	}
	s.background.Wait()
	if err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}
