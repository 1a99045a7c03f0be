package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/app"
	"github.com/zapflow/zapflow/internal/backup"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/store"
)

const backupUsage = "usage: zapflow backup [-o FILE] | zapflow backup schedule [-on|-off] [-hour H] [-keep N] [-dir FOLDER]"

// backupCmd writes a backup of a SQLite installation while the server
// runs; on PostgreSQL it explains pg_dump instead.
func backupCmd(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "schedule" {
		return backupSchedule(ctx, cfg, args[1:], out)
	}
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("o", "", "archive to write (default ./"+backup.FileName(time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC))+" with the current time)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{backupUsage}
	}
	db, err := openExistingSQLite(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	path := *file
	if path == "" {
		path = backup.FileName(time.Now())
	}
	m, err := backup.CreateFile(ctx, backup.Options{DB: db, DataDir: cfg.DataDir, Version: app.Version}, path)
	if err != nil {
		return err
	}
	var size int64
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	fmt.Fprintf(out, "wrote %s (%s): schema version %d, %s\n", path, humanBytes(size), m.SchemaVersion, summary(m))
	fmt.Fprintf(out, "the secret key is not in the backup: it is %s.\nKeep a copy of it apart from the backups: a restore needs it to read the stored access tokens.\n", app.SecretKeyLocation(cfg))
	return nil
}

// openExistingSQLite opens the installation's SQLite database without
// creating or migrating it; PostgreSQL gets the pg_dump recipe.
func openExistingSQLite(ctx context.Context, cfg config.Config) (store.DB, error) {
	if cfg.DatabaseURL != "" {
		return nil, backup.ErrPostgres
	}
	if _, err := os.Stat(cfg.SQLitePath()); err != nil {
		return nil, fmt.Errorf("no database at %s (ZAPFLOW_DATA_DIR=%s): %w", cfg.SQLitePath(), cfg.DataDir, err)
	}
	return store.Open(ctx, "", cfg.SQLitePath())
}

// summary is "12 messages, 3 contacts, 1 media file".
func summary(m backup.Manifest) string {
	media := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Name, "media/") {
			media++
		}
	}
	var parts []string
	for _, t := range []string{"messages", "contacts", "users", "flows"} {
		parts = append(parts, fmt.Sprintf("%d %s", m.Tables[t], t))
	}
	return strings.Join(append(parts, fmt.Sprintf("%d media files", media)), ", ")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
