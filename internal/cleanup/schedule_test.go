package cleanup

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The schedule: off runs nothing; on, it runs once a day after the time
// of day, and a failed run is tried again later.
func TestScheduleTick(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, date(2025, time.October, 30, 3, 30, 0))
		c, _ := f.conversation(date(2025, time.January, 1, 0, 0, 0))
		old := f.inbound(c, date(2025, time.February, 1, 0, 0, 0))

		f.configure(30, false, "03:00")
		ran, err := f.svc.Tick(ctx)
		require.NoError(t, err)
		require.False(t, ran, "the schedule is off")
		require.Zero(t, f.count(`SELECT COUNT(*) FROM cleanup_runs`))
		require.True(t, f.exists("messages", old))

		f.configure(30, true, "02:00")
		ran, err = f.svc.Tick(ctx)
		require.NoError(t, err)
		require.False(t, ran, "switched on after today's time (and its hour): the first run is tomorrow's")
		require.True(t, f.exists("messages", old))

		f.configure(30, true, "04:00")
		ran, err = f.svc.Tick(ctx)
		require.NoError(t, err)
		require.False(t, ran, "before the time of day")

		f.clock.Set(date(2025, time.October, 30, 4, 0, 0))
		ran, err = f.svc.Tick(ctx)
		require.NoError(t, err)
		require.True(t, ran)
		require.False(t, f.exists("messages", old))
		runs, err := f.svc.Runs(ctx, 5)
		require.NoError(t, err)
		require.Len(t, runs, 1)
		require.Equal(t, TriggerSchedule, runs[0].Trigger)
		require.Equal(t, int64(1), runs[0].Messages)

		f.clock.Add(time.Hour)
		ran, err = f.svc.Tick(ctx)
		require.NoError(t, err)
		require.False(t, ran, "once a day")

		// The next day's run failed: tried again after retryFailedAfter.
		f.clock.Set(date(2025, time.October, 31, 4, 0, 0))
		f.exec(`INSERT INTO cleanup_runs (kind, status, retention_days, cutoff, started_at, heartbeat_at, error)
			VALUES ('schedule', 'failed', 30, 0, ?, ?, 'boom')`, store.Millis(f.clock.Now()), store.Millis(f.clock.Now()))
		f.clock.Add(time.Minute)
		ran, err = f.svc.Tick(ctx)
		require.NoError(t, err)
		require.False(t, ran)
		f.clock.Add(retryFailedAfter)
		ran, err = f.svc.Tick(ctx)
		require.NoError(t, err)
		require.True(t, ran)

		view := f.svc.ViewOf(Settings{Enabled: true, RetentionDays: 30, TimeOfDay: "04:00"})
		require.Equal(t, "UTC", view.TimeZone)
		require.Equal(t, date(2025, time.November, 1, 4, 0, 0), view.NextRunAt)
		require.Equal(t, date(2025, time.October, 1, 0, 0, 0), view.CutoffNow)
	})
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, date(2025, time.October, 30, 3, 30, 0))
		v, err := f.svc.Settings(ctx)
		require.NoError(t, err)
		require.Equal(t, DefaultSettings, v)
		for _, in := range []struct {
			in    Input
			field string
		}{
			{Input{RetentionDays: new(0)}, "retention_days"},
			{Input{RetentionDays: new(-3)}, "retention_days"},
			{Input{RetentionDays: new(MaxRetentionDays + 1)}, "retention_days"},
			{Input{TimeOfDay: new("24:00")}, "time_of_day"},
			{Input{TimeOfDay: new("3:00")}, "time_of_day"},
			{Input{TimeOfDay: new("")}, "time_of_day"},
		} {
			_, err := f.svc.UpdateSettings(ctx, in.in)
			ae, ok := apperr.As(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, in.field, ae.Field)
			require.Equal(t, "invalid_settings", ae.Code)
		}
		v, err = f.svc.Settings(ctx)
		require.NoError(t, err)
		require.Equal(t, DefaultSettings, v, "a refused change saves nothing")
		v, err = f.svc.UpdateSettings(ctx, Input{RetentionDays: new(1), TimeOfDay: new(" 23:59 ")})
		require.NoError(t, err)
		require.Equal(t, Settings{Enabled: false, RetentionDays: 1, TimeOfDay: "23:59"}, v)
	})
}
