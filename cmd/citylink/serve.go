package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"citylink/db"
	"citylink/web"
)

func serve(ctx context.Context, e env, log *slog.Logger) error {
	d, err := e.open(ctx, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	ln, err := net.Listen("tcp", e.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("citylink listening", "addr", ln.Addr().String())
	return runApp(ctx, e, d, ln, log)
}

// runApp serves the application on ln until ctx ends, then shuts down
// gracefully: open requests and running jobs get a few seconds to finish.
func runApp(ctx context.Context, e env, d *db.DB, ln net.Listener, log *slog.Logger) error {
	allow, err := web.ParseAllowTargets(e.AllowTargets)
	if err != nil {
		return fmt.Errorf("CITYLINK_ALLOW_TARGETS: %w", err)
	}
	proxies, err := web.ParseAllowTargets(e.TrustedProxies)
	if err != nil {
		return fmt.Errorf("CITYLINK_TRUSTED_PROXIES: %w", err)
	}
	app, err := web.New(web.Config{
		PublicURL:      e.PublicURL,
		SecureCookies:  e.SecureCookies,
		HookBodyLimit:  e.HookBodyLimit,
		CommandTimeout: e.CommandTimeout,
		AllowTargets:   allow,
		CommandRate:    e.CommandRate,
		TrustedProxies: proxies,
	}, d, log)
	if err != nil {
		return err
	}
	if err := app.Start(ctx); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if e.MetricsAddr != "" {
		metrics := &http.Server{Addr: e.MetricsAddr, Handler: web.MetricsHandler(),
			ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := metrics.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener", "error", err)
			}
		}()
		defer metrics.Close()
	}

	select {
	case err = <-served:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// Live streams never end by themselves: end them rather than wait.
	srv.RegisterOnShutdown(app.EndStreams)
	if serr := srv.Shutdown(shutdown); serr != nil && !errors.Is(serr, context.DeadlineExceeded) {
		log.Error("shutdown", "error", serr)
	}
	if cerr := app.Close(shutdown); cerr != nil {
		log.Error("stop background work", "error", cerr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
