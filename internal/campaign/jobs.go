package campaign

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/store"
)

// runFor is how long one run job releases rounds before it snoozes and
// hands the campaign back to the queue (any instance may take it next).
const runFor = time.Minute

// leaseFor is how long a runner holds a campaign between rounds: when
// its process dies the lease runs out and the next sweep starts another.
const leaseFor = 15 * time.Second

// SweepEvery is how often running and scheduled campaigns without a live
// runner get one (after a restart, a crash or a missed insert).
const SweepEvery = 10 * time.Second

// QueueRuns is the River queue of campaign runs. A run holds its worker
// for up to runFor between snoozes, so runs get workers of their own:
// twenty running campaigns never take the default queue's (sender checks,
// media, sweeps) away, and beyond RunWorkers a campaign waits at most
// runFor for its turn.
const QueueRuns = "campaigns"

// RunWorkers is how many campaigns one instance runs at once.
const RunWorkers = 50

// RunArgs is the job that runs one campaign.
type RunArgs struct {
	CampaignID int64 `json:"campaign_id"`
}

// Kind is River's job kind.
func (RunArgs) Kind() string { return "campaign.run" }

// InsertOpts: no uniqueness (River's needs the running state, and a
// dead process's job stays "running" until River rescues it an hour
// later); the lease in the campaigns row makes any extra job return at
// once, and the sweep only inserts for a campaign whose lease ran out.
func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueRuns, MaxAttempts: 25}
}

// SweepArgs is the periodic job that gives runnerless campaigns a runner.
type SweepArgs struct{}

// Kind is River's job kind.
func (SweepArgs) Kind() string { return "campaign.sweep" }

// InsertOpts: never retried; the next sweep is the retry.
func (SweepArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

func (s *Service) enqueue(ctx context.Context, tx store.Tx, id int64) error {
	if s.queue == nil {
		return nil
	}
	return s.queue.InsertTx(ctx, tx, RunArgs{CampaignID: id}, nil)
}

type runWorker struct {
	river.WorkerDefaults[RunArgs]
	s *Service
}

func (w *runWorker) Timeout(*river.Job[RunArgs]) time.Duration { return runFor + time.Minute }

func (w *runWorker) Work(ctx context.Context, j *river.Job[RunArgs]) error {
	return w.s.Run(ctx, j.Args.CampaignID, j.ID)
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error { return w.s.Sweep(ctx) }

// Register adds the workers and returns the periodic sweep.
func (s *Service) Register(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &runWorker{s: s})
	river.AddWorker(workers, &sweepWorker{s: s})
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil }, &river.PeriodicJobOpts{ID: "campaign.sweep", RunOnStart: true})}
}

// Sweep enqueues a run for every running or scheduled campaign whose
// lease ran out.
func (s *Service) Sweep(ctx context.Context) error {
	rows, err := s.db.Read().Query(ctx, `SELECT id FROM campaigns WHERE status IN ('running', 'scheduled') AND lease_until < ?`, store.Millis(s.now()))
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.db.InTx(ctx, func(tx store.Tx) error { return s.enqueue(ctx, tx, id) }); err != nil {
			return err
		}
	}
	return nil
}

// lease takes or renews the campaign's runner lease for job until
// until (false: another live job holds it).
func (s *Service) lease(ctx context.Context, id, job, until int64) (bool, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx store.Tx) (err error) {
		n, err = tx.Exec(ctx, `UPDATE campaigns SET lease_until = ?, lease_job = ? WHERE id = ? AND (lease_until < ? OR lease_job = ?)`,
			until, job, id, store.Millis(s.now()), job)
		return err
	})
	return n == 1, err
}

// Run releases rounds of one campaign for up to runFor, then snoozes the
// job, keeping the lease until it is back (so the sweep adds no second
// job); it returns nil when the campaign stopped running. Rounds are a
// tick apart, so a pause or cancel takes effect within a tick.
func (s *Service) Run(ctx context.Context, id, job int64) error {
	deadline := time.Now().Add(runFor)
	for {
		began := time.Now()
		ok, err := s.lease(ctx, id, job, store.Millis(s.now().Add(leaseFor)))
		if err != nil || !ok {
			return err // !ok: another runner has it
		}
		next, done, err := s.Round(ctx, id)
		if err != nil {
			return err
		}
		if done {
			return s.unlease(ctx, id, job)
		}
		// A long wait (start time, send window, daily quota) frees the
		// worker: River brings the job back when it is due.
		if next > 5*time.Second || time.Now().Add(next).After(deadline) {
			if _, err := s.lease(ctx, id, job, store.Millis(s.now().Add(next+leaseFor))); err != nil {
				return err
			}
			return river.JobSnooze(next)
		}
		// Rounds start a tick apart, not a tick after the last one ended,
		// so a round's own time does not stretch the period (and with it
		// the queue's depth and a pause's delay).
		t := time.NewTimer(max(next-time.Since(began), 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-s.stopping:
			// Shutting down: River's stop waits for running jobs, and this
			// one would go on for up to runFor. Hand the campaign back
			// (another instance's sweep takes it at once) and come back
			// after a tick on whichever instance fetches the job.
			t.Stop()
			if err := s.unlease(ctx, id, job); err != nil {
				return err
			}
			return river.JobSnooze(s.tick)
		case <-t.C:
		}
	}
}

// unlease gives up job's runner lease on the campaign.
func (s *Service) unlease(ctx context.Context, id, job int64) error {
	ctx = context.WithoutCancel(ctx)
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE campaigns SET lease_until = 0, lease_job = 0 WHERE id = ? AND lease_job = ?`, id, job)
		return err
	})
}

// Stop makes every run on this instance hand its campaign back at its
// next round; call it before stopping the job queue, whose stop waits
// for running jobs.
func (s *Service) Stop() { s.stopOnce.Do(func() { close(s.stopping) }) }
