package cleanup

import (
	"context"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// What started a run.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerDryRun   = "dry_run"
)

// A run's status.
const (
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Counts are what a run removed (a dry run: what a run would remove).
type Counts struct {
	Messages      int64 `json:"messages"`
	Media         int64 `json:"media"`
	Notes         int64 `json:"notes"`
	Conversations int64 `json:"conversations"`
	WebhookEvents int64 `json:"webhook_events"`
}

func (c *Counts) add(o Counts) {
	c.Messages += o.Messages
	c.Media += o.Media
	c.Notes += o.Notes
	c.Conversations += o.Conversations
	c.WebhookEvents += o.WebhookEvents
}

// Run is one logged cleanup run.
type Run struct {
	ID            int64     `json:"id"`
	Trigger       string    `json:"trigger"`
	Status        string    `json:"status"`
	UserID        int64     `json:"user_id,omitempty"`
	RetentionDays int       `json:"retention_days"`
	Cutoff        time.Time `json:"cutoff"`
	Counts
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	DurationMS int64     `json:"duration_ms"`
}

// errLost: the run's row is no longer 'running' (another instance took it
// over as stale): this run stops.
var errLost = errors.New("cleanup: the run was taken over by another instance")

// errRunning is what a second concurrent run gets.
func errRunning() error {
	return apperr.New(apperr.KindConflict, "cleanup_running", "a cleanup is already running; wait for it to finish (the runs list shows it)")
}

const runColumns = `id, kind, status, user_id, retention_days, cutoff, messages, media, notes, conversations, webhook_events,
	error, started_at, finished_at, duration_ms`

func scanRun(row store.Row) (Run, error) {
	var r Run
	var cutoff, started, finished int64
	err := row.Scan(&r.ID, &r.Trigger, &r.Status, &r.UserID, &r.RetentionDays, &cutoff, &r.Messages, &r.Media, &r.Notes,
		&r.Conversations, &r.WebhookEvents, &r.Error, &started, &finished, &r.DurationMS)
	r.Cutoff, r.StartedAt, r.FinishedAt = store.Time(cutoff), store.Time(started), store.Time(finished)
	return r, err
}

// begin takes the one running slot: a run whose heartbeat is older than
// staleAfter is marked failed first (its process died mid-run).
func (s *Service) begin(ctx context.Context, r Run) (Run, error) {
	now := store.Millis(r.StartedAt)
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE cleanup_runs SET status = 'failed', error = 'interrupted: the instance running it stopped',
			finished_at = ? WHERE status = 'running' AND heartbeat_at < ?`, now, now-s.staleAfter.Milliseconds()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO cleanup_runs (kind, status, user_id, retention_days, cutoff, started_at, heartbeat_at)
			VALUES (?, 'running', ?, ?, ?, ?, ?) RETURNING id`,
			r.Trigger, r.UserID, r.RetentionDays, store.Millis(r.Cutoff), now, now).Scan(&r.ID)
	})
	if errors.Is(err, store.ErrConflict) {
		return r, errRunning()
	}
	r.Status = StatusRunning
	return r, err
}

// progress adds what a batch removed to the run's row, in the batch's
// transaction: the log never counts a delete that rolled back.
func (s *Service) progress(ctx context.Context, tx store.Tx, id int64, c Counts) error {
	n, err := tx.Exec(ctx, `UPDATE cleanup_runs SET messages = messages + ?, media = media + ?, notes = notes + ?,
		conversations = conversations + ?, webhook_events = webhook_events + ?, heartbeat_at = ? WHERE id = ? AND status = 'running'`,
		c.Messages, c.Media, c.Notes, c.Conversations, c.WebhookEvents, store.Millis(s.now()), id)
	if err == nil && n == 0 {
		err = errLost
	}
	return err
}

// finish ends a run: done, or failed with what went wrong. It uses a
// context of its own, so a run cancelled by shutdown is still logged.
func (s *Service) finish(r Run, runErr error) (Run, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.FinishedAt = s.now()
	r.DurationMS = r.FinishedAt.Sub(r.StartedAt).Milliseconds()
	r.Status = StatusDone
	if runErr != nil {
		r.Status, r.Error = StatusFailed, failure(runErr)
	}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE cleanup_runs SET status = ?, error = ?, finished_at = ?, duration_ms = ? WHERE id = ? AND status = 'running'`,
			r.Status, r.Error, store.Millis(r.FinishedAt), r.DurationMS, r.ID)
		return err
	})
	if err != nil {
		return r, err
	}
	// The counts committed by the batches are the truth.
	return s.Run(ctx, r.ID)
}

// failure is the logged text of a run's error: a named error's message,
// else a generic line (the details go to the server log).
func failure(err error) string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted: the server stopped or the request ended; the next run continues where it stopped"
	case errors.Is(err, errLost):
		return "interrupted: another instance took the run over"
	}
	if ae, ok := apperr.As(err); ok {
		return ae.Message
	}
	return "failed: " + err.Error()
}

// logDryRun records a dry run (finished at once) with what it counted.
func (s *Service) logDryRun(ctx context.Context, r Run) (Run, error) {
	r.FinishedAt = s.now()
	r.DurationMS = r.FinishedAt.Sub(r.StartedAt).Milliseconds()
	r.Status = StatusDone
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO cleanup_runs (kind, status, user_id, retention_days, cutoff, messages, media, notes,
			conversations, webhook_events, started_at, heartbeat_at, finished_at, duration_ms)
			VALUES (?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.Trigger, r.UserID, r.RetentionDays, store.Millis(r.Cutoff), r.Messages, r.Media, r.Notes, r.Conversations,
			r.WebhookEvents, store.Millis(r.StartedAt), store.Millis(r.StartedAt), store.Millis(r.FinishedAt), r.DurationMS).Scan(&r.ID)
	})
	return r, err
}

// Run returns one logged run.
func (s *Service) Run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.db.Read().QueryRow(ctx, `SELECT `+runColumns+` FROM cleanup_runs WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return r, apperr.NotFound("cleanup run")
	}
	return r, err
}

// Runs returns the latest limit runs, newest first.
func (s *Service) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := s.db.Read().Query(ctx, `SELECT `+runColumns+` FROM cleanup_runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
