package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/zapflow/zapflow/internal/backup"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/settings"
)

// backupSchedule shows or changes the scheduled-backup setting, which the
// running server reads (no restart needed).
func backupSchedule(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("backup schedule", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	on := fs.Bool("on", false, "take a backup every day")
	off := fs.Bool("off", false, "stop the daily backups")
	hour := fs.Int("hour", -1, "hour of the day (0-23, the server's local time)")
	keep := fs.Int("keep", 0, "how many backups to keep")
	dir := fs.String("dir", "", "folder for the backups")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || (*on && *off) {
		return usageError{"usage: zapflow backup schedule [-on|-off] [-hour H] [-keep N] [-dir FOLDER]"}
	}
	db, err := openExistingSQLite(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	st := settings.New(db, nil, 0)
	before, err := settings.Get(ctx, st, nil, backup.SettingsKey, backup.DefaultSchedule())
	if err != nil {
		return err
	}
	after := before
	if *on {
		after.Enabled = true
	}
	if *off {
		after.Enabled = false
	}
	if *hour >= 0 {
		after.Hour = *hour
	}
	if *keep != 0 {
		after.Keep = *keep
	}
	if *dir != "" {
		after.Folder = *dir
	}
	if err := after.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if after != before {
		if err := settings.Put(ctx, st, backup.SettingsKey, after); err != nil {
			return err
		}
		if err := st.RecordChange(ctx, backup.SettingsKey, 0, "zapflow backup schedule: "+settings.Diff(before, after)); err != nil {
			return err
		}
	}
	folder := after.Folder
	if folder == "" {
		folder = backup.DefaultFolder(cfg.DataDir)
	}
	state := "off"
	if after.Enabled {
		state = "on"
	}
	fmt.Fprintf(out, "scheduled backups %s: every day at %02d:00 (server time) into %s, keeping the newest %d\n", state, after.Hour, folder, after.Keep)
	return nil
}
