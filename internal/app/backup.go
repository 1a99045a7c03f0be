package app

import (
	"github.com/zapflow/zapflow/internal/backup"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/secret"
)

// backupScheduler takes the scheduled backups of a SQLite installation
// (the "backup" setting; `zapflow backup schedule`).
func (a *App) backupScheduler() *backup.Scheduler {
	return &backup.Scheduler{
		Options:  backup.Options{DB: a.DB, DataDir: a.cfg.DataDir, Version: Version, Now: a.now},
		Settings: a.Settings,
		Log:      a.log.With("component", "backup"),
	}
}

// SecretKeyLocation says where this installation's secret key comes from,
// for the first-start banner and the backup commands, which tell people
// to keep it apart from their backups.
func SecretKeyLocation(cfg config.Config) string {
	if cfg.SecretKey != "" {
		return "set through ZAPFLOW_SECRET_KEY (or the file ZAPFLOW_SECRET_KEY_FILE names)"
	}
	return secret.KeyPath(cfg.DataDir) + " (generated on first start; or set ZAPFLOW_SECRET_KEY_FILE)"
}
