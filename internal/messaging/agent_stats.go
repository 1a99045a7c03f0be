package messaging

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// AgentStats is one row of the per-agent table for a period.
type AgentStats struct {
	UserID    int64
	Name      string
	OpenChats int // open conversations assigned to the agent now
	Replies   int // messages the agent sent in the period
	// FirstResponse is the median time from a customer's first message in
	// the period to the first agent reply after it, over the
	// conversations this agent answered first; Answered counts them.
	FirstResponse time.Duration
	Answered      int
}

// AgentStats computes the per-agent table for [from, to) in three
// queries (open chats, replies, first responses), whatever the number of
// agents; the medians are computed here, as SQL has no portable median.
func (s *Service) AgentStats(ctx context.Context, from, to time.Time) ([]AgentStats, error) {
	q := s.db.Read()
	byID := map[int64]*AgentStats{}
	var out []*AgentStats
	rows, err := q.Query(ctx, `SELECT u.id, CASE WHEN u.name = '' THEN u.email ELSE u.name END,
			(SELECT COUNT(*) FROM conversations c WHERE c.assigned_user_id = u.id AND c.resolved_at = 0)
		FROM users u WHERE u.active ORDER BY u.name, u.id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a := &AgentStats{}
		if err := rows.Scan(&a.UserID, &a.Name, &a.OpenChats); err != nil {
			rows.Close()
			return nil, err
		}
		byID[a.UserID] = a
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lo, hi := store.Millis(from), store.Millis(to)
	rows, err = q.Query(ctx, `SELECT source, COUNT(*) FROM messages
		WHERE direction = 'out' AND source LIKE 'agent:%' AND created_at >= ? AND created_at < ? GROUP BY source`, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var src string
		var n int
		if err := rows.Scan(&src, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if a := byID[agentOf(src)]; a != nil {
			a.Replies += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// One row per conversation whose customer wrote in the period: the
	// first such message and the first agent reply after it.
	rows, err = q.Query(ctx, `WITH firsts AS (
			SELECT conversation_id, MIN(created_at) AS t0 FROM messages
			WHERE direction = 'in' AND created_at >= ? AND created_at < ? GROUP BY conversation_id)
		SELECT f.t0, r.created_at, r.source FROM firsts f JOIN messages r ON r.id = (
			SELECT m.id FROM messages m WHERE m.conversation_id = f.conversation_id AND m.direction = 'out'
				AND m.source LIKE 'agent:%' AND m.created_at >= f.t0 ORDER BY m.created_at, m.id LIMIT 1)`, lo, hi)
	if err != nil {
		return nil, err
	}
	waits := map[int64][]time.Duration{}
	for rows.Next() {
		var t0, at int64
		var src string
		if err := rows.Scan(&t0, &at, &src); err != nil {
			rows.Close()
			return nil, err
		}
		id := agentOf(src)
		waits[id] = append(waits[id], time.Duration(at-t0)*time.Millisecond)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	list := make([]AgentStats, 0, len(out))
	for _, a := range out {
		a.FirstResponse, a.Answered = median(waits[a.UserID]), len(waits[a.UserID])
		list = append(list, *a)
	}
	return list, nil
}

// agentOf reads the user id of a message source "agent:<id>" (0 if not).
func agentOf(source string) int64 {
	id, _ := strconv.ParseInt(strings.TrimPrefix(source, "agent:"), 10, 64)
	return id
}

// median of ds (0 for none; the mean of the middle two for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m]
	}
	return (ds[m-1] + ds[m]) / 2
}
