package cleanup

import (
	"context"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// RunNow runs a cleanup at once with the saved settings, whether or not
// the schedule is on, and returns its log entry. A dry run deletes
// nothing: it counts what a run would remove now. A second run while one
// is in progress (here or on another instance) gets a conflict error.
//
// The run is bounded by ctx: when it ends early, what the finished
// batches removed stays removed and the run is logged as interrupted.
func (s *Service) RunNow(ctx context.Context, userID int64, dryRun bool) (Run, error) {
	trigger := TriggerManual
	if dryRun {
		trigger = TriggerDryRun
	}
	return s.execute(ctx, trigger, userID)
}

func (s *Service) execute(ctx context.Context, trigger string, userID int64) (Run, error) {
	v, err := s.Settings(ctx)
	if err != nil {
		return Run{}, err
	}
	now := s.now()
	r := Run{Trigger: trigger, UserID: userID, RetentionDays: v.RetentionDays, Cutoff: Cutoff(now, v.RetentionDays, s.loc).UTC(), StartedAt: now}
	if trigger == TriggerDryRun {
		r.Counts, err = s.count(ctx, r.Cutoff, now)
		if err != nil {
			return Run{}, err
		}
		return s.logDryRun(ctx, r)
	}
	r, err = s.begin(ctx, r)
	if err != nil {
		return Run{}, err
	}
	s.log.Info("cleanup started", "run", r.ID, "trigger", trigger, "cutoff", r.Cutoff)
	runErr := s.sweep(ctx, r.ID, r.Cutoff, now)
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		s.log.Error("cleanup failed", "run", r.ID, "err", runErr)
	}
	done, err := s.finish(r, runErr)
	if err != nil {
		return Run{}, errors.Join(runErr, err)
	}
	s.log.Info("cleanup finished", "run", done.ID, "status", done.Status, "messages", done.Messages,
		"conversations", done.Conversations, "media", done.Media, "duration_ms", done.DurationMS)
	return done, nil
}

// webhookCutoff is the cutoff of raw webhook events: the run's, but never
// within webhookKeep of now.
func webhookCutoff(cutoff, now time.Time) time.Time {
	if keep := now.Add(-webhookKeep); keep.Before(cutoff) {
		return keep
	}
	return cutoff
}

// yield lets the inbox and intake write between two batches.
func (s *Service) yield(ctx context.Context) error {
	if s.pause <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(s.pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// step runs one batch transaction: fn deletes at most one batch and says
// how much it removed; the counts join the run's row in the same
// transaction. It reports whether the batch was full (more may remain).
func (s *Service) step(ctx context.Context, runID int64, fn func(tx store.Tx) (Counts, bool, error)) (bool, error) {
	if err := s.yield(ctx); err != nil {
		return false, err
	}
	var more bool
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		c, full, err := fn(tx)
		if err != nil {
			return err
		}
		more = full
		return s.progress(ctx, tx, runID, c)
	})
	if err == nil && s.afterBatch != nil {
		s.afterBatch()
	}
	return more, err
}
