package flow

import (
	"context"
	"errors"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Deleting a flow archives it: the flow is disabled and hidden from the
// list, its versions and runs stay so the run history still reads, and
// its name is free for a new flow. Runs still in progress are cancelled
// with the reason.

// ReasonFlowDeleted is the reason of runs cancelled by deleting their flow.
const ReasonFlowDeleted = "the flow was deleted"

// Delete archives a flow and cancels its runs in progress. Deleting an
// archived flow again changes nothing.
func (s *Service) Delete(ctx context.Context, id int64) error {
	err := s.DB.InTx(ctx, func(tx store.Tx) error {
		now := s.Now()
		n, err := tx.Exec(ctx, `UPDATE flows SET archived_at = ?, enabled = ?, updated_at = ? WHERE id = ? AND archived_at = 0`,
			store.Millis(now), false, store.Millis(now), id)
		if err != nil {
			return err
		}
		if n == 0 {
			err := notLive(ctx, tx, id)
			if ae, ok := apperr.As(err); ok && ae.Code == "flow_archived" {
				return nil
			}
			return err
		}
		ids, err := store.QueryIDs(ctx, tx, `SELECT id FROM flow_runs WHERE flow_id = ? AND status IN ('running', 'waiting') ORDER BY id`, id)
		if err != nil {
			return err
		}
		if err := s.cancelRuns(ctx, tx, ids, ReasonFlowDeleted); err != nil {
			return err
		}
		return bumpCache(ctx, tx)
	})
	if err == nil {
		s.cache.invalidate()
	}
	return err
}

// cancelRuns ends runs as cancelled with reason, in tx.
func (s *Service) cancelRuns(ctx context.Context, tx store.Tx, ids []int64, reason string) error {
	for _, id := range ids {
		if _, _, err := s.apply(ctx, tx, id, Input{Kind: InputCancel, Now: s.Now(), Reason: reason}); err != nil {
			return err
		}
	}
	return nil
}

// notLive explains why flow id cannot be changed: it does not exist, or
// it is archived.
func notLive(ctx context.Context, q store.Querier, id int64) error {
	var archived int64
	err := q.QueryRow(ctx, `SELECT archived_at FROM flows WHERE id = ?`, id).Scan(&archived)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("flow")
	}
	if err != nil {
		return err
	}
	return &apperr.Error{Kind: apperr.KindConflict, Code: "flow_archived", Message: "the flow was deleted: it is kept only for its run history; create a new flow instead"}
}
