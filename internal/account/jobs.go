package account

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/store"
)

// CheckSenderArgs asks for one sender's status and quality to be read from
// the Cloud API.
type CheckSenderArgs struct {
	SenderID int64 `json:"sender_id"`
}

// Kind is River's job kind.
func (CheckSenderArgs) Kind() string { return "sender.check" }

// InsertOpts has no River uniqueness: River counts a running job as a
// duplicate, so a webhook arriving while a check runs (or within the same
// unique period) would be dropped and the sender left as the webhook
// guessed. Checks coalesce through senders.check_queued_at instead
// (requestChecks), which the check clears as it starts.
func (CheckSenderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5}
}

// CheckAllSendersArgs fans out a check for every sender (periodic).
type CheckAllSendersArgs struct{}

// Kind is River's job kind.
func (CheckAllSendersArgs) Kind() string { return "sender.check_all" }

// SyncTemplatesArgs syncs an account's templates.
type SyncTemplatesArgs struct {
	AccountID int64 `json:"account_id"`
	// Cause is set for the sync a status webhook of an unknown template
	// asks for (syncSoon): with it the job is not one with a sync queued
	// shortly before (the sandbox's, as it starts; River's uniqueness is by
	// args, in the period a job is inserted in), which may have listed
	// already.
	Cause string `json:"cause,omitempty"`
}

// Kind is River's job kind.
func (SyncTemplatesArgs) Kind() string { return "template.sync" }

// InsertOpts keeps one pending sync per account.
func (SyncTemplatesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 10 * time.Second}}
}

type checkSenderWorker struct {
	river.WorkerDefaults[CheckSenderArgs]
	s *Service
}

func (w *checkSenderWorker) Work(ctx context.Context, j *river.Job[CheckSenderArgs]) error {
	err := w.s.runQueuedCheck(ctx, j.Args.SenderID)
	if IsSandboxOff(err) {
		return nil // nothing to check while the sandbox is off
	}
	return err
}

type checkAllWorker struct {
	river.WorkerDefaults[CheckAllSendersArgs]
	s *Service
}

func (w *checkAllWorker) Work(ctx context.Context, _ *river.Job[CheckAllSendersArgs]) error {
	senders, err := w.s.Senders(ctx, 0)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(senders))
	for _, sn := range senders {
		ids = append(ids, sn.ID)
	}
	return w.s.db.InTx(ctx, func(tx store.Tx) error { return w.s.requestChecks(ctx, tx, ids) })
}

type syncTemplatesWorker struct {
	river.WorkerDefaults[SyncTemplatesArgs]
	s *Service
}

func (w *syncTemplatesWorker) Work(ctx context.Context, j *river.Job[SyncTemplatesArgs]) error {
	_, err := w.s.SyncTemplates(ctx, j.Args.AccountID)
	if IsSandboxOff(err) {
		return nil
	}
	return err
}

// Register adds this package's workers and its periodic sender check.
func (s *Service) Register(workers *river.Workers, checkEvery time.Duration) []*river.PeriodicJob {
	river.AddWorker(workers, &checkSenderWorker{s: s})
	river.AddWorker(workers, &checkAllWorker{s: s})
	river.AddWorker(workers, &syncTemplatesWorker{s: s})
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(checkEvery),
			func() (river.JobArgs, *river.InsertOpts) { return CheckAllSendersArgs{}, nil },
			&river.PeriodicJobOpts{ID: "sender.check_all"}),
	}
}
