package backup

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/testclock"
)

// The scheduled backup runs once in its hour, into its folder, and keeps
// the newest Keep archives (and nothing else is touched).
func TestScheduledBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dataDir := openData(t, 0)
	clock := testclock.New(time.Date(2026, 12, 1, 2, 55, 0, 0, time.Local))
	st := settings.New(db, clock.Now, time.Nanosecond)
	s := &Scheduler{Options: Options{DB: db, DataDir: dataDir, Version: "v1", Now: clock.Now}, Settings: st, Log: slog.New(slog.DiscardHandler)}

	path, err := s.RunIfDue(ctx)
	require.NoError(t, err)
	require.Empty(t, path, "off by default")

	folder := filepath.Join(t.TempDir(), "nightly")
	require.NoError(t, os.MkdirAll(folder, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(folder, "notes.txt"), []byte("mine"), 0o600))
	require.NoError(t, settings.Put(ctx, st, SettingsKey, Schedule{Enabled: true, Hour: 3, Folder: folder, Keep: 2}))

	path, err = s.RunIfDue(ctx)
	require.NoError(t, err)
	require.Empty(t, path, "not yet 03:00")

	var written []string
	for day := range 4 {
		clock.Set(time.Date(2026, 12, 1+day, 3, 5, 0, 0, time.Local))
		path, err = s.RunIfDue(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, path, "day %d", day)
		written = append(written, filepath.Base(path))
		_, err = Verify(path)
		require.NoError(t, err)

		clock.Add(10 * time.Minute) // the next tick in the same hour
		again, err := s.RunIfDue(ctx)
		require.NoError(t, err)
		require.Empty(t, again, "one backup a day")
	}
	left, err := archives(folder)
	require.NoError(t, err)
	require.Equal(t, []string{written[3], written[2]}, left, "the newest two kept")
	require.FileExists(t, filepath.Join(folder, "notes.txt"), "other files left alone")

	require.ErrorContains(t, Schedule{Hour: 24, Keep: 1}.Validate(), "hour")
	require.ErrorContains(t, Schedule{Hour: 3, Keep: 0}.Validate(), "keep")
	require.NoError(t, DefaultSchedule().Validate())
}
