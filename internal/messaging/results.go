package messaging

import "sync"

// resultQueue carries send outcomes from the send goroutines to the
// committer. A send hands its outcome over and its goroutine ends, however
// far behind the committer is: with a channel, finished sends waited on
// it, thousands of parked goroutines whose stacks the collector scanned on
// every cycle (PostgreSQL, where the committer waits for intake's row
// locks). The dispatcher bounds what it holds (defaultMaxUnrecorded).
type resultQueue struct {
	mu    sync.Mutex
	items []sendResult
	ready chan struct{} // has a value while items is not empty
}

func newResultQueue() *resultQueue { return &resultQueue{ready: make(chan struct{}, 1)} }

func (q *resultQueue) push(r sendResult) {
	q.mu.Lock()
	q.items = append(q.items, r)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take appends outcomes to batch, oldest first, until it holds limit.
func (q *resultQueue) take(batch []sendResult, limit int) []sendResult {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(limit-len(batch), len(q.items))
	batch = append(batch, q.items[:n]...)
	rest := copy(q.items, q.items[n:])
	clear(q.items[rest:])
	q.items = q.items[:rest]
	if rest > 0 {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	return batch
}
