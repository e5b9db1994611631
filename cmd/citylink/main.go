// Command citylink runs Citylink and administers it: the web application
// (serve), a ready-to-try demo (dev), migrations, tenants and staff.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // tenants name their time zones; the runtime image may lack a zone database
)

const usage = `usage: citylink COMMAND [flags]

commands:
  serve                 run the web application
  dev                   run a complete demo: local Postgres, the platform
                        simulator, a demo tenant and its admin
  migrate up|down       apply or revert the database migrations
  tenant create --slug S --name N
  tenant show --slug S [--json]
  tenant list
  tenant credentials --slug S --login-id ID [--service-url U]
                     [--auth-mode immediate|passive] [--allow-plain]
                        (reads the password, then the comm_key, from stdin)
  tenant disable --slug S
  tenant enable --slug S
  user add --tenant S --email E --role owner|admin|operator|viewer
                        (reads the password from stdin)
  localdb url           start (or reuse) the private Postgres cluster and
                        print its administrative URL
  localdb stop          stop the private Postgres cluster
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, log); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "citylink:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return errUsage
	}
	env := loadEnv()
	switch args[0] {
	case "serve":
		return serve(ctx, env, log)
	case "dev":
		return dev(ctx, env, stdout, log)
	case "migrate":
		return migrate(ctx, env, args[1:], stdout, log)
	case "tenant":
		return tenantCommand(ctx, env, args[1:], stdin, stdout, log)
	case "user":
		return userCommand(ctx, env, args[1:], stdin, stdout, log)
	case "localdb":
		return localdbCommand(ctx, env, args[1:], stdout, log)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return errUsage
}
