package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/settings"
)

// SettingsKey is the settings section of scheduled backups.
const SettingsKey = "backup"

// Schedule is the scheduled-backup setting: once a day at Hour (the
// server's local time), keep the newest Keep archives in Folder.
type Schedule struct {
	Enabled bool   `json:"enabled"`
	Hour    int    `json:"hour"`
	Folder  string `json:"folder"` // "" means DefaultFolder(data folder)
	Keep    int    `json:"keep"`
}

// DefaultSchedule is off, at 03:00, keeping a week.
func DefaultSchedule() Schedule { return Schedule{Hour: 3, Keep: 7} }

// DefaultFolder is where scheduled backups go unless the setting names a
// folder: inside the data folder, so copy them off the machine too.
func DefaultFolder(dataDir string) string { return filepath.Join(dataDir, "backups") }

// Validate refuses an hour outside 0–23 and a retention below 1.
func (s Schedule) Validate() error {
	if s.Hour < 0 || s.Hour > 23 {
		return fmt.Errorf("backup: hour %d: want 0 to 23", s.Hour)
	}
	if s.Keep < 1 || s.Keep > 1000 {
		return fmt.Errorf("backup: keep %d: want 1 to 1000", s.Keep)
	}
	return nil
}

// archivePrefix and archiveSuffix frame the names of scheduled backups;
// Prune removes only files named so.
const (
	archivePrefix = "zapflow-backup-"
	archiveSuffix = ".tar.gz"
)

// FileName is the name of a backup taken at t, sortable by time.
func FileName(t time.Time) string {
	return archivePrefix + t.UTC().Format("20060102-150405") + archiveSuffix
}

// Scheduler takes the scheduled backups. Its periodic job runs on the job
// queue's leader only, so one backup is taken per day however many
// processes serve.
type Scheduler struct {
	Options
	Settings *settings.Store
	Log      *slog.Logger
}

// ScheduledArgs is the periodic job that checks whether a backup is due.
type ScheduledArgs struct{}

// Kind names the job.
func (ScheduledArgs) Kind() string { return "backup.scheduled" }

type scheduledWorker struct {
	river.WorkerDefaults[ScheduledArgs]
	s *Scheduler
}

// Timeout lets a large database's backup run past River's one-minute
// default.
func (w *scheduledWorker) Timeout(*river.Job[ScheduledArgs]) time.Duration { return 2 * time.Hour }

func (w *scheduledWorker) Work(ctx context.Context, _ *river.Job[ScheduledArgs]) error {
	_, err := w.s.RunIfDue(ctx)
	return err
}

// Register adds the worker and returns the periodic job (every ten
// minutes: a backup is due in the configured hour).
func (s *Scheduler) Register(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &scheduledWorker{s: s})
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return ScheduledArgs{}, nil },
			&river.PeriodicJobOpts{ID: "backup.scheduled"}),
	}
}

// RunIfDue takes a backup when the setting is on, the clock is in its
// hour and the folder has none from the last 20 hours, then prunes the
// folder to the newest Keep. It returns the new archive's path, or "".
func (s *Scheduler) RunIfDue(ctx context.Context) (string, error) {
	sched, err := settings.Get(ctx, s.Settings, nil, SettingsKey, DefaultSchedule())
	if err != nil || !sched.Enabled {
		return "", err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if now.Hour() != sched.Hour {
		return "", nil
	}
	folder := sched.Folder
	if folder == "" {
		folder = DefaultFolder(s.DataDir)
	}
	existing, err := archives(folder)
	if err != nil {
		return "", err
	}
	if len(existing) > 0 {
		if t, err := time.Parse("20060102-150405", strings.TrimSuffix(strings.TrimPrefix(existing[0], archivePrefix), archiveSuffix)); err == nil && now.Sub(t) < 20*time.Hour {
			return "", nil
		}
	}
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return "", fmt.Errorf("backup: folder: %w", err)
	}
	path := filepath.Join(folder, FileName(now))
	m, err := CreateFile(ctx, s.Options, path)
	if err != nil {
		s.Log.Error("scheduled backup failed", "path", path, "err", err)
		return "", err
	}
	removed, err := Prune(folder, sched.Keep)
	s.Log.Info("scheduled backup written", "path", path, "schema_version", m.SchemaVersion, "messages", m.Tables["messages"], "pruned", len(removed))
	return path, err
}

// archives lists the scheduled backups in folder, newest first.
func archives(folder string) ([]string, error) {
	entries, err := os.ReadDir(folder)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup: read %s: %w", folder, err)
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, archivePrefix) && strings.HasSuffix(n, archiveSuffix) {
			out = append(out, n)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out, nil
}

// Prune deletes all but the newest keep scheduled backups in folder and
// returns the names it deleted. Other files are left alone.
func Prune(folder string, keep int) ([]string, error) {
	all, err := archives(folder)
	if err != nil || len(all) <= keep {
		return nil, err
	}
	var removed []string
	for _, n := range all[keep:] {
		if err := os.Remove(filepath.Join(folder, n)); err != nil {
			return removed, fmt.Errorf("backup: prune: %w", err)
		}
		removed = append(removed, n)
	}
	return removed, nil
}
