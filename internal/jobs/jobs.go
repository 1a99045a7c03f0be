// Package jobs wires River, zapflow's durable job queue, once for both
// databases. River's client is generic over the driver's transaction type
// (*sql.Tx for SQLite, pgx.Tx for PostgreSQL); Queue hides that so services
// insert jobs into their own store.Tx without knowing the dialect.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/zapflow/zapflow/internal/store"
)

// Config configures the queue. Workers may still be added to Workers after
// New and before Start, so services and their workers can be built in any
// order.
type Config struct {
	Workers      *river.Workers
	Queues       map[string]river.QueueConfig
	PeriodicJobs []*river.PeriodicJob
	Logger       *slog.Logger
	// TestOnly makes River skip leader election delays etc. in tests.
	TestOnly bool
}

// Queue inserts jobs inside our transactions and runs the workers.
type Queue struct {
	db          store.DB
	insertTx    func(ctx context.Context, tx store.Tx, params []river.InsertManyParams) error
	start       func(ctx context.Context) error
	stop        func(ctx context.Context) error
	queueDepth  func(ctx context.Context) (map[string]int, error)
	addPeriodic func(jobs []*river.PeriodicJob)
}

// New builds the River client for db's driver.
func New(db store.DB, cfg Config) (*Queue, error) {
	if cfg.Workers == nil {
		cfg.Workers = river.NewWorkers()
	}
	if cfg.Queues == nil {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}}
	}
	rc := &river.Config{
		Workers:      cfg.Workers,
		Queues:       cfg.Queues,
		PeriodicJobs: cfg.PeriodicJobs,
		Logger:       cfg.Logger,
		TestOnly:     cfg.TestOnly,
		// New jobs are noticed through River's notifications (LISTEN/NOTIFY
		// on PostgreSQL, a polled outbox table on SQLite); the cooldown bounds
		// how soon a producer fetches again after a fetch.
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: time.Second,
		MaxAttempts:       10,
	}
	switch d := db.(type) {
	case interface{ Writer() *sql.DB }:
		return build(db, riversqlite.New(d.Writer()), rc, func(tx store.Tx) (*sql.Tx, error) {
			t, ok := tx.Driver().(*sql.Tx)
			if !ok {
				return nil, fmt.Errorf("jobs: transaction %T is not a SQLite transaction", tx.Driver())
			}
			return t, nil
		})
	case interface{ Pool() *pgxpool.Pool }:
		return build(db, riverpgxv5.New(d.Pool()), rc, func(tx store.Tx) (pgx.Tx, error) {
			t, ok := tx.Driver().(pgx.Tx)
			if !ok {
				return nil, fmt.Errorf("jobs: transaction %T is not a PostgreSQL transaction", tx.Driver())
			}
			return t, nil
		})
	}
	return nil, fmt.Errorf("jobs: unsupported database %T", db)
}

func build[TTx any](db store.DB, driver riverdriver.Driver[TTx], rc *river.Config, txOf func(store.Tx) (TTx, error)) (*Queue, error) {
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: new river client: %w", err)
	}
	return &Queue{
		db: db,
		insertTx: func(ctx context.Context, tx store.Tx, params []river.InsertManyParams) error {
			t, err := txOf(tx)
			if err != nil {
				return err
			}
			_, err = client.InsertManyTx(ctx, t, params)
			return err
		},
		addPeriodic: func(jobs []*river.PeriodicJob) { client.PeriodicJobs().AddMany(jobs) },
		start:       client.Start,
		stop:        client.Stop,
		queueDepth: func(ctx context.Context) (map[string]int, error) {
			res, err := client.JobList(ctx, river.NewJobListParams().
				States(rivertype.JobStateAvailable, rivertype.JobStateRetryable, rivertype.JobStateScheduled).First(10000))
			if err != nil {
				return nil, err
			}
			out := map[string]int{}
			for _, j := range res.Jobs {
				out[j.Kind]++
			}
			return out, nil
		},
	}, nil
}

// InsertTx adds a job in tx: it exists exactly when tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	return q.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: args, InsertOpts: opts}})
}

// InsertManyTx adds several jobs in tx.
//
// The jobs of one transaction are inserted together, with one River
// insert just before it commits (store.Tx.BeforeCommit): River's SQLite
// driver sends its insert as new SQL text each time, which SQLite
// compiles before running, 140 µs of the single writer's time per call
// (a run that waits for a reply, an assistant's reply, a media fetch:
// one each per inbound message). Inside a savepoint a job is inserted at
// once instead, so rolling the savepoint back takes it along.
func (q *Queue) InsertManyTx(ctx context.Context, tx store.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if store.InSavepoint(tx) {
		return q.insertTx(ctx, tx, params)
	}
	p := store.TxValue(tx, "jobs.pending", func() *pendingJobs { return &pendingJobs{} })
	if p == nil || p.inserted {
		return q.insertTx(ctx, tx, params)
	}
	if len(p.params) == 0 {
		tx.BeforeCommit("jobs.insert", func() error {
			p.inserted = true // a job queued by a later hook goes in at once
			return q.insertTx(ctx, tx, p.params)
		})
	}
	p.params = append(p.params, params...)
	return nil
}

// pendingJobs are a transaction's jobs waiting for its commit.
type pendingJobs struct {
	params   []river.InsertManyParams
	inserted bool
}

// Insert adds a job in a transaction of its own (for work not tied to a
// row change, such as "sync templates now"). It goes through the store's
// transaction, not River's own, so it is as durable as any other write
// when it returns (the SQLite writer flushes its log outside the lock).
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	return q.db.InTx(ctx, func(tx store.Tx) error { return q.InsertTx(ctx, tx, args, opts) })
}

// AddPeriodic schedules periodic jobs (services register theirs after the
// queue exists).
func (q *Queue) AddPeriodic(jobs ...*river.PeriodicJob) { q.addPeriodic(jobs) }

// Start starts fetching and working jobs.
func (q *Queue) Start(ctx context.Context) error { return q.start(ctx) }

// Stop waits for running jobs to finish (bounded by ctx).
func (q *Queue) Stop(ctx context.Context) error {
	err := q.stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("jobs: stop: jobs still running after the shutdown timeout: %w", err)
	}
	return err
}

// Depth counts jobs waiting to run, by kind (for /metrics).
func (q *Queue) Depth(ctx context.Context) (map[string]int, error) { return q.queueDepth(ctx) }
