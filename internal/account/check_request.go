package account

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Sender checks coalesce, they are never dropped. A webhook (or the
// periodic sweep) that wants a sender re-read sets senders.check_queued_at
// and enqueues a check only when none is queued; the check clears the mark
// as it starts, before it reads the number. So a request made before a
// check starts is answered by that check's read, and a request made after
// it started (a number that reconnects seconds after it went offline, an
// UNFLAGGED right after a FLAGGED) queues a fresh check: the last state
// stored is always read after the last request.

// staleCheckRequest is how old a queued mark may get before a request
// enqueues a check anyway: the queued job may have been lost (cancelled or
// deleted by hand), and a sender must not go unchecked for ever.
const staleCheckRequest = 10 * time.Minute

// requestChecks marks ids as wanting a check and enqueues one check job for
// each that had none queued, inside tx.
func (s *Service) requestChecks(ctx context.Context, tx store.Tx, ids []int64) error {
	now := s.now()
	params := make([]river.InsertManyParams, 0, len(ids))
	for _, id := range ids {
		n, err := tx.Exec(ctx, `UPDATE senders SET check_queued_at = ? WHERE id = ? AND check_queued_at <= ?`,
			store.Millis(now), id, store.Millis(now.Add(-staleCheckRequest)))
		if err != nil {
			return err
		}
		if n == 1 {
			params = append(params, river.InsertManyParams{Args: CheckSenderArgs{SenderID: id}})
		}
	}
	if len(params) == 0 {
		return nil
	}
	return s.queue.InsertManyTx(ctx, tx, params)
}

// runQueuedCheck is the check job: it clears the queued mark, so requests
// from now on queue another check, then reads the number. A sender deleted
// meanwhile and an account whose token Meta refuses end the job: retrying
// cannot help, and the refusal is recorded on the account.
func (s *Service) runQueuedCheck(ctx context.Context, id int64) error {
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE senders SET check_queued_at = 0 WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return err
	}
	_, err = s.CheckSender(ctx, id)
	if ae, ok := apperr.As(err); ok && (ae.Kind == apperr.KindNotFound || ae.Code == codeInvalidToken) {
		return nil
	}
	return err
}

// senderIDs lists an account's sender ids through q.
func senderIDs(ctx context.Context, q store.Querier, accountID int64) ([]int64, error) {
	return store.QueryIDs(ctx, q, `SELECT id FROM senders WHERE account_id = ? ORDER BY id`, accountID)
}
