package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/app"
	"github.com/zapflow/zapflow/internal/backup"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/secret"
)

const restoreUsage = "usage: zapflow restore FILE [-force]"

// restoreCmd puts a backup in place of the installation's database and
// media, with the server stopped.
func restoreCmd(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	force := fs.Bool("force", false, "replace a database that holds data (it is kept, renamed)")
	// FILE may come before or after the flag.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return usageError{restoreUsage}
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 || file == "" {
		return usageError{restoreUsage}
	}
	if cfg.DatabaseURL != "" {
		return backup.ErrPostgres
	}
	if serverAnswers(cfg.Addr) {
		return fmt.Errorf("%w (ZAPFLOW_ADDR=%s)", errServerRunning, cfg.Addr)
	}
	res, err := backup.Restore(ctx, backup.RestoreOptions{Archive: file, SQLitePath: cfg.SQLitePath(), DataDir: cfg.DataDir, Force: *force})
	if err != nil {
		return err
	}
	m := res.Manifest
	fmt.Fprintf(out, "restored %s into %s: taken %s by zapflow %s at schema version %d; %s\n",
		file, cfg.SQLitePath(), m.CreatedAt.Format(time.RFC3339), m.ZapflowVersion, m.SchemaVersion, summary(m))
	for _, p := range res.Previous {
		fmt.Fprintf(out, "kept the replaced %s\n", p)
	}
	for _, mig := range res.Applied.Migrations {
		fmt.Fprintf(out, "applied %s\n", mig)
	}
	fmt.Fprintf(out, "database schema at version %d\n", res.Latest)
	fmt.Fprintf(out, "the secret key is not in backups: before starting zapflow, make sure the key this data was written with is %s\n", app.SecretKeyLocation(cfg))
	if cfg.SecretKey == "" {
		if _, err := os.Stat(secret.KeyPath(cfg.DataDir)); err != nil {
			fmt.Fprintf(out, "WARNING: there is no key at %s yet: put the original one there (or set ZAPFLOW_SECRET_KEY_FILE) before the first start, or zapflow generates a new key that cannot read the restored access tokens\n", secret.KeyPath(cfg.DataDir))
		}
	}
	return nil
}

var errServerRunning = fmt.Errorf("a zapflow server answers at this address: stop it before restoring (a restore replaces its database under it)")

// serverAnswers reports whether something serves /healthz at addr (a
// listen address; all interfaces means loopback).
func serverAnswers(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}
