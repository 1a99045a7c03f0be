package flow

import (
	"context"
	"sync"

	"github.com/zapflow/zapflow/internal/store"
)

// runIDBlock is how many run ids one sequence read draws on PostgreSQL.
const runIDBlock = 64

// runIDs hands out PostgreSQL run ids drawn from flow_runs' sequence a
// block at a time: a run used to pay a round trip of its own for its id,
// one of the dozen statements an inbound message → flow → send costs.
// Sequence values are never given out twice, whichever transaction or
// instance draws them, and a draw is not undone by a rollback, so an id
// from the block is unique however the run that took it ends. Ids still
// in the block when the process stops are skipped, as PostgreSQL's own
// sequence CACHE skips them; within one process ids still grow in start
// order.
type runIDs struct {
	mu   sync.Mutex
	free []int64 // drawn, not yet handed out, ascending
}

// take returns the next id, drawing a new block through tx when the last
// is used up.
func (r *runIDs) take(ctx context.Context, tx store.Tx) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.free) == 0 {
		rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('flow_runs', 'id')) FROM generate_series(1, ?) ORDER BY 1`, runIDBlock)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return 0, err
			}
			r.free = append(r.free, id)
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	id := r.free[0]
	r.free = r.free[1:]
	return id, nil
}
