package cleanup

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// TickEvery is how often the schedule is checked: a saved change of the
// time of day or of the switch applies within it.
const TickEvery = time.Minute

// catchUp is how long after its time of day a scheduled run may still
// start.
const catchUp = time.Hour

// TickArgs is the periodic job that starts the daily run when it is due.
// River enqueues periodic jobs on its elected leader only, so the tick
// runs once across every instance.
type TickArgs struct{}

// Kind is River's job kind.
func (TickArgs) Kind() string { return "cleanup.tick" }

// InsertOpts: one tick at a time (while a tick runs a long cleanup, the
// next ones are skipped instead of piling up), never retried (the next
// tick is the retry). A completed tick does not count: River keeps it for
// a day, and by default it would block every later tick.
func (TickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	s *Service
}

// Timeout lifts River's one-minute default: a first cleanup of a large
// history takes longer, and it stops between batches when cancelled.
func (w *tickWorker) Timeout(*river.Job[TickArgs]) time.Duration { return 6 * time.Hour }

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error {
	_, err := w.s.Tick(ctx)
	return err
}

// Register adds the tick's worker and returns its periodic job.
func (s *Service) Register(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &tickWorker{s: s})
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(TickEvery),
			func() (river.JobArgs, *river.InsertOpts) { return TickArgs{}, nil },
			&river.PeriodicJobOpts{ID: "cleanup.tick"}),
	}
}

// Tick starts the scheduled run when it is due and reports whether it
// ran. It is due when the schedule is on, today's time of day passed less
// than catchUp ago, and no scheduled run has finished or is running since
// then; a failed one is tried again after retryFailedAfter. The window
// lets a server busy or restarting at that minute still run it, without
// a schedule switched on (or moved) at 10:00 for 03:00 deleting history
// in the middle of the working day: that first run waits for tomorrow.
func (s *Service) Tick(ctx context.Context) (bool, error) {
	v, err := s.Settings(ctx)
	if err != nil || !v.Enabled {
		return false, err
	}
	now := s.now()
	slot := slotOn(now, v, s.loc)
	if now.Before(slot) || now.Sub(slot) >= catchUp {
		return false, nil
	}
	var status string
	var started int64
	err = s.db.Read().QueryRow(ctx, `SELECT status, started_at FROM cleanup_runs WHERE kind = 'schedule' AND started_at >= ?
		ORDER BY id DESC LIMIT 1`, store.Millis(slot)).Scan(&status, &started)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return false, err
	case status != StatusFailed:
		return false, nil
	case now.Sub(store.Time(started)) < retryFailedAfter:
		return false, nil
	}
	if _, err := s.execute(ctx, TriggerSchedule, 0); err != nil {
		if ae, ok := apperr.As(err); ok && ae.Code == "cleanup_running" {
			return false, nil // a manual run is on it; the next tick looks again
		}
		return false, err
	}
	return true, nil
}
