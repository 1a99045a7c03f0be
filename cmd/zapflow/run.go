package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/store"
)

const usage = `zapflow: WhatsApp automation, team inbox and AI assistant in one binary.

Usage:
  zapflow [serve]                 run the server (default)
  zapflow migrate                 apply pending database migrations and exit
  zapflow version                 print the version
  zapflow admin create -email E [-name N] [-password P] [-role admin|agent]
                                  add a user (password generated and printed when omitted)
  zapflow apikey create -user EMAIL -name N
                                  print a new API key acting as that user (shown once; stored hashed)
  zapflow apikey list             list API keys: id, name, prefix, user, created, last used, revoked
  zapflow apikey revoke ID        revoke a key; it is refused from the next request on
  zapflow contact export ID [-o FILE]
                                  write everything held about a contact to a ZIP (LGPD/GDPR)
  zapflow contact erase ID -confirm PHONE
                                  delete everything about a contact; only an anonymous audit line stays
  zapflow sandbox secret          print the app secret the sandbox signs webhooks with
                                  (random per installation; for load tests and scripts)

  zapflow backup [-o FILE]        write a backup (SQLite: database snapshot, media and manifest) while the
                                  server runs; the secret key is not included. PostgreSQL: prints the pg_dump recipe
  zapflow backup schedule [-on|-off] [-hour H] [-keep N] [-dir FOLDER]
                                  daily backups taken by the server, keeping the newest N
  zapflow restore FILE [-force]   check and restore a backup (server stopped), then migrate up;
                                  -force replaces a database that holds data (kept, renamed)
  zapflow doctor                  check the installation (database, key, URL, webhooks, numbers, clock, disk,
                                  permissions), one line each with the fix; exit 0 only when all pass
  zapflow healthcheck             exit 0 when the local server's /healthz answers 200 (container HEALTHCHECK)

Configuration comes from ZAPFLOW_* environment variables; see the README.
`

// run is main without the process: arguments, environment and output are
// parameters, so tests drive every subcommand in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "version" {
		printVersion(stdout)
		return 0
	}
	if isHelp(cmd) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	// serve and migrate take no arguments: "zapflow migrate --help" must
	// not migrate, nor "zapflow serve -port 9000" start on another port
	// than the one asked for.
	if (cmd == "serve" || cmd == "migrate") && len(args) > 0 {
		if isHelp(args[0]) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "zapflow %s: takes no arguments, got %q (settings come from ZAPFLOW_* environment variables)\n\n%s", cmd, args[0], usage)
		return 2
	}
	cfg, err := config.Parse(getenv, os.ReadFile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, log, stdout, stderr)
	case "migrate":
		err = migrate(ctx, cfg, stdout)
	case "admin":
		err = adminCreate(ctx, cfg, args, stdout)
	case "apikey":
		err = apikey(ctx, cfg, args, stdout)
	case "sandbox":
		err = sandboxSecretCmd(ctx, cfg, args, stdout)
	case "contact":
		err = contact(ctx, cfg, args, stdout)
	case "backup":
		err = backupCmd(ctx, cfg, args, stdout)
	case "restore":
		err = restoreCmd(ctx, cfg, args, stdout)
	case "doctor":
		err = doctorCmd(ctx, cfg, args, stdout)
	case "healthcheck":
		err = healthcheck(ctx, cfg, args, stdout)
	default:
		fmt.Fprintf(stderr, "zapflow: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "zapflow %s: %v\n", cmd, err)
			return 2
		}
		fmt.Fprintf(stderr, "zapflow %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

func isHelp(arg string) bool { return arg == "help" || arg == "-h" || arg == "--help" }

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, out, errOut io.Writer) error {
	applyMemoryLimit(cfg.MemoryLimit, os.Getenv)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := a.Bootstrap(ctx, out); err != nil {
		_ = a.Close()
		return err
	}
	if a.SandboxExposed() {
		warnSandboxExposed(errOut, log, cfg)
	}
	releaseStartupMemory()
	db := "SQLite at " + cfg.SQLitePath()
	if a.DB.Dialect() == store.Postgres {
		db = "PostgreSQL"
	}
	fmt.Fprintf(out, "zapflow %s listening on %s (%s)\n", app.Version, a.PublicURL(), db)
	if a.SandboxOn() {
		fmt.Fprintf(out, "sandbox on: simulated Cloud API at %s/sandbox/graph; make a customer write in with\n", a.PublicURL())
		fmt.Fprintf(out, "  curl -X POST %s/sandbox/api/customers/messages -H 'Content-Type: application/json' -d '{\"from\":\"+5511988887777\",\"name\":\"Ana\",\"to\":\"%s\",\"text\":\"oi\"}'\n",
			a.PublicURL(), a.Sandbox.Senders()[0].PhoneNumberID)
		if cfg.Sandbox == "auto" {
			fmt.Fprintf(out, "  (ZAPFLOW_SANDBOX=auto: the sandbox turns off the moment you create a real account, without a restart)\n")
		}
	}
	return a.Run(ctx)
}

// warnSandboxExposed says, as loudly as a server can, that the sandbox's
// control API has no login and is reachable from other machines.
func warnSandboxExposed(w io.Writer, log *slog.Logger, cfg config.Config) {
	msg := fmt.Sprintf("the sandbox is on (ZAPFLOW_SANDBOX=%s) and zapflow listens on %s, which is not loopback: "+
		"anyone who can reach this address can drive the simulated customers and numbers (/sandbox/api has no login). "+
		"Listen on 127.0.0.1 (ZAPFLOW_ADDR) or set ZAPFLOW_SANDBOX=false.", cfg.Sandbox, cfg.Addr)
	line := strings.Repeat("!", 78)
	fmt.Fprintf(w, "%s\nWARNING: %s\n%s\n", line, msg, line)
	log.Warn(msg)
}

func sandboxSecretCmd(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "secret" {
		return usageError{"usage: zapflow sandbox secret"}
	}
	db, box, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, err := account.New(account.Options{DB: db, Box: box}).SandboxAppSecret(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, secret)
	return nil
}

func migrate(ctx context.Context, cfg config.Config, out io.Writer) error {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := store.MigrateReport(ctx, db)
	if err != nil {
		return err
	}
	for _, m := range applied.Migrations {
		fmt.Fprintf(out, "applied %s\n", m)
	}
	for _, v := range applied.River {
		fmt.Fprintf(out, "applied job queue (River) migration %d\n", v)
	}
	st, err := store.Status(ctx, db)
	if err != nil {
		return err
	}
	if len(applied.Migrations)+len(applied.River) == 0 {
		fmt.Fprintf(out, "nothing to apply: ")
	}
	fmt.Fprintf(out, "database schema at version %d\n", st.Current)
	return nil
}

func adminCreate(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: zapflow admin create -email E [-name N] [-password P] [-role admin|agent]"}
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "login e-mail")
	name := fs.String("name", "", "display name")
	password := fs.String("password", "", "password (generated when empty)")
	role := fs.String("role", agent.RoleAdmin, "admin or agent")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *email == "" {
		return usageError{"-email is required"}
	}
	db, _, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	pw := *password
	if pw == "" {
		pw = agent.GeneratePassword()
	}
	u, err := agent.New(db, nil).CreateUser(ctx, *email, *name, *role, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created %s %s\n", u.Role, u.Email)
	if *password == "" {
		fmt.Fprintf(out, "password: %s\n", pw)
	}
	return nil
}

// newLogger logs JSON in production and text in a terminal.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "auto" || format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if strings.EqualFold(format, "text") {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
