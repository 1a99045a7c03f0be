package messaging

import (
	"context"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Statuses that beat their send's record wait in pending_statuses, and are
// applied when the send is recorded (recordSent) or by the pending sweep.
//
// Why a sweep: on PostgreSQL the status and the send's record commit in
// two concurrent transactions, and under READ COMMITTED neither sees the
// other's uncommitted row. The status finds no message with its wamid and
// parks itself; the send's record looks for parked statuses before that
// park committed. Both commit, and the status would wait forever. A sweep
// run after each of the two commits closes it: whichever commits second,
// the sweep after it sees both rows. A crash between commit and sweep is
// caught by the periodic sweep. Taking a lock on both sides would close it
// too, but a processing batch and an outcome batch lock their rows in
// different orders, which deadlocks.

// pendingSweepEvery is how often the sweep runs without being asked.
const pendingSweepEvery = 30 * time.Second

// pendingKeep is how long a status waits for a message that never comes
// (a message sent by another app on the same number).
const pendingKeep = 7 * 24 * time.Hour

// pendingSweepBatch bounds one sweep transaction.
const pendingSweepBatch = 256

type pendingSweeper struct {
	kick   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// kickPending asks for a sweep soon; many asks while one runs make one more.
func (s *Service) kickPending() {
	select {
	case s.pending.kick <- struct{}{}:
	default:
	}
}

// pendingAdded sweeps after tx, which parked a status, commits.
func (s *Service) pendingAdded(tx store.Tx) { tx.AfterCommit(s.kickPending) }

// Start runs the pending-status sweep until Stop.
func (s *Service) Start(ctx context.Context) {
	ctx, s.pending.cancel = context.WithCancel(ctx)
	s.pending.wg.Add(1)
	go func() {
		defer s.pending.wg.Done()
		tick := time.NewTicker(pendingSweepEvery)
		defer tick.Stop()
		for {
			if _, err := s.SweepPending(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("applying pending statuses", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-s.pending.kick:
			case <-tick.C:
			}
		}
	}()
}

// Stop ends the sweep.
func (s *Service) Stop() {
	if s.pending.cancel != nil {
		s.pending.cancel()
	}
	s.pending.wg.Wait()
}

// SweepPending applies the parked statuses whose message has its wamid by
// now, drops those older than pendingKeep, and returns how many it applied.
func (s *Service) SweepPending(ctx context.Context) (int, error) {
	// A read first: almost always nothing waits, and the writer stays free.
	rows, err := s.db.Read().Query(ctx, `SELECT DISTINCT p.wamid FROM pending_statuses p JOIN messages m ON m.wamid = p.wamid LIMIT ?`,
		pendingSweepBatch)
	if err != nil {
		return 0, err
	}
	var wamids []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			rows.Close()
			return 0, err
		}
		wamids = append(wamids, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	applied := 0
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		applied = 0
		for _, w := range wamids {
			n, err := applyPending(ctx, tx, w, store.Millis(now))
			if err != nil {
				return err
			}
			applied += n
		}
		_, err := tx.Exec(ctx, `DELETE FROM pending_statuses WHERE created_at < ?`, store.Millis(now.Add(-pendingKeep)))
		return err
	})
	return applied, err
}

// applyPending applies the statuses of wamid that arrived before its send
// was recorded, each only to a message of the number it was reported for,
// and returns how many it applied.
func applyPending(ctx context.Context, tx store.Tx, wamid string, now int64) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, status, phone_number_id, account_id, occurred_at, error_code, error_message, error_detail
		FROM pending_statuses WHERE wamid = ? ORDER BY id`, wamid)
	if err != nil {
		return 0, err
	}
	var pending []StatusUpdate
	var ids []any
	for rows.Next() {
		var id int64
		u := StatusUpdate{WAMID: wamid}
		if err := rows.Scan(&id, &u.Status, &u.PhoneNumberID, &u.AccountID, &u.At, &u.ErrorCode, &u.ErrorMessage, &u.ErrorDetail); err != nil {
			rows.Close()
			return 0, err
		}
		pending = append(pending, u)
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(pending) == 0 {
		return 0, err
	}
	applied := 0
	for _, u := range pending {
		// The wamid is recorded now, so a status either applies or names
		// another number's message (dropped with the rest).
		res, err := applyStatus(ctx, tx, u, now)
		if err != nil {
			return applied, err
		}
		if res.applied {
			applied++
		}
	}
	_, err = tx.Exec(ctx, `DELETE FROM pending_statuses WHERE id IN (`+store.List(len(ids))+`)`, ids...)
	return applied, err
}
