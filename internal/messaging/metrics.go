package messaging

import (
	"context"

	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
)

// The labels the outbox's metrics use (OutboxOptions.Metrics).

// String names a result kind as the metrics' status label.
func (k resultKind) String() string {
	switch k {
	case resultSent:
		return StatusSent
	case resultRetry:
		return "retry"
	case resultFail:
		return StatusFailed
	}
	return "released"
}

// code is the result's stable error code, "" when there is none.
func (r sendResult) code() string {
	if r.se == nil {
		return ""
	}
	return r.se.Code
}

// paceRate is the rate the limiter paces the job's sender at.
func (j sendJob) paceRate() float64 {
	if j.rate <= 0 {
		return ratelimit.DefaultRate
	}
	return float64(j.rate)
}

const queueStatsQuery = `SELECT s.id, COUNT(m.id), COALESCE(MIN(m.send_at), 0) FROM senders s
	LEFT JOIN messages m ON m.sender_id = s.id AND m.status = 'queued' AND m.send_at > 0 GROUP BY s.id`

// QueueStats reads each sender's queued messages and how long the oldest
// has waited past its due time, for the metrics at scrape time: one query
// over the partial index messages_send_due, every sender listed (an empty
// queue reads 0, not nothing).
func (o *Outbox) QueueStats(ctx context.Context) ([]metrics.SenderQueue, error) {
	rows, err := o.DB.Read().Query(ctx, queueStatsQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := o.Now()
	var out []metrics.SenderQueue
	for rows.Next() {
		var q metrics.SenderQueue
		var oldest int64
		if err := rows.Scan(&q.Sender, &q.Depth, &oldest); err != nil {
			return nil, err
		}
		if oldest > 0 {
			q.Oldest = max(now.Sub(store.Time(oldest)), 0)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
