package cleanup

import (
	"context"
	"slices"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// What a run deletes, in SQL shared with the dry run's counts.
const (
	// oldMessage: dated before the cutoff and not an outbound message
	// still waiting for (or in) its send.
	oldMessage = `occurred_at < ? AND NOT (direction = 'out' AND status = 'queued')`
	// oldMessageBatch is the next batch of them, oldest first (index
	// messages_occurred).
	oldMessageBatch = `SELECT id FROM messages WHERE ` + oldMessage + ` ORDER BY occurred_at, id LIMIT ?`
	// activeRun: a flow run still listening to or started by the
	// conversation keeps it, so its reply still finds it.
	keptByRun = `NOT EXISTS (SELECT 1 FROM flow_runs r WHERE r.reply_conversation_id = c.id AND r.status IN ('running', 'waiting'))
		AND NOT EXISTS (SELECT 1 FROM flow_runs r WHERE r.message_conversation_id = c.id AND r.status IN ('running', 'waiting'))`
)

// sweep deletes, batch by batch: old messages with their media, old notes,
// old raw webhook events, then the conversations left empty, and last the
// live events that pointed at what went.
func (s *Service) sweep(ctx context.Context, runID int64, cutoff, now time.Time) error {
	c := store.Millis(cutoff)
	defer s.pauseSearchMerge(ctx)()
	touched := map[int64]struct{}{}
	phases := []func(tx store.Tx) (Counts, bool, error){
		func(tx store.Tx) (Counts, bool, error) { return s.deleteMessages(ctx, tx, c, touched) },
		func(tx store.Tx) (Counts, bool, error) { return s.deleteNotes(ctx, tx, c) },
		func(tx store.Tx) (Counts, bool, error) {
			n, err := tx.Exec(ctx, `DELETE FROM pending_statuses WHERE id IN (SELECT id FROM pending_statuses WHERE created_at < ? LIMIT ?)`, c, s.batch)
			return Counts{}, n == int64(s.batch), err
		},
	}
	for _, phase := range phases {
		if err := s.drain(ctx, runID, phase); err != nil {
			return err
		}
	}
	if err := s.deleteWebhookEvents(ctx, runID, store.Millis(webhookCutoff(cutoff, now))); err != nil {
		return err
	}
	if err := s.deleteConversations(ctx, runID, c); err != nil {
		return err
	}
	if err := s.repointFirstMessages(ctx, runID, touched); err != nil {
		return err
	}
	return s.deleteLiveEvents(ctx, runID)
}

// repointFirstMessages points the first_message_id of each conversation
// that lost messages (and is still there) at its oldest message left.
// Done once at the end rather than per batch: deleting oldest first takes
// a conversation's first message in nearly every batch that touches it.
func (s *Service) repointFirstMessages(ctx context.Context, runID int64, touched map[int64]struct{}) error {
	ids := make([]int64, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), s.batch)]
		ids = ids[len(chunk):]
		_, err := s.step(ctx, runID, func(tx store.Tx) (Counts, bool, error) {
			rest := chunk
			for _, n := range store.Chunks(len(rest)) {
				args := make([]any, n)
				for i, id := range rest[:n] {
					args[i] = id
				}
				if _, err := tx.Exec(ctx, `UPDATE conversations SET first_message_id = COALESCE((SELECT m.id FROM messages m
						WHERE m.conversation_id = conversations.id ORDER BY m.occurred_at, m.id LIMIT 1), 0)
					WHERE id IN (`+store.List(n)+`) AND first_message_id <> 0
					AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.id = conversations.first_message_id)`, args...); err != nil {
					return Counts{}, false, err
				}
				rest = rest[n:]
			}
			return Counts{}, false, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// drain repeats a phase's batch until one comes back short.
func (s *Service) drain(ctx context.Context, runID int64, fn func(tx store.Tx) (Counts, bool, error)) error {
	for {
		more, err := s.step(ctx, runID, fn)
		if err != nil || !more {
			return err
		}
	}
}

// deleteMessages removes one batch of old messages and their cached media
// (counted here; the foreign key would take it along anyway), and adds
// the conversations they were in to touched.
func (s *Service) deleteMessages(ctx context.Context, tx store.Tx, cutoff int64, touched map[int64]struct{}) (Counts, bool, error) {
	var out Counts
	var err error
	out.Media, err = tx.Exec(ctx, `DELETE FROM media_cache WHERE message_id IN (`+oldMessageBatch+`)`, cutoff, s.batch)
	if err != nil {
		return out, false, err
	}
	rows, err := tx.Query(ctx, `DELETE FROM messages WHERE id IN (`+oldMessageBatch+`) RETURNING conversation_id`, cutoff, s.batch)
	if err != nil {
		return out, false, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return out, false, err
		}
		touched[id] = struct{}{}
		out.Messages++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, false, err
	}
	return out, out.Messages == int64(s.batch), nil
}

// deleteNotes removes one batch of notes written before the cutoff.
func (s *Service) deleteNotes(ctx context.Context, tx store.Tx, cutoff int64) (Counts, bool, error) {
	n, err := tx.Exec(ctx, `DELETE FROM notes WHERE id IN (SELECT id FROM notes WHERE created_at < ? ORDER BY created_at, id LIMIT ?)`, cutoff, s.batch)
	return Counts{Notes: n}, n == int64(s.batch), err
}

// deleteWebhookEvents removes processed raw webhook events received before
// the cutoff (they hold the messages' text), in id order: events arrive in
// id order, so one pass from the oldest finds them without an index.
func (s *Service) deleteWebhookEvents(ctx context.Context, runID, cutoff int64) error {
	var after int64
	for {
		var last int64
		more, err := s.step(ctx, runID, func(tx store.Tx) (Counts, bool, error) {
			rows, err := tx.Query(ctx, `DELETE FROM inbound_events WHERE id IN (SELECT id FROM inbound_events
				WHERE id > ? AND processed_at <> 0 AND received_at < ? ORDER BY id LIMIT ?) RETURNING id`, after, cutoff, s.batch)
			if err != nil {
				return Counts{}, false, err
			}
			defer rows.Close()
			var n int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return Counts{}, false, err
				}
				n++
				last = max(last, id)
			}
			return Counts{WebhookEvents: n}, n == int64(s.batch), rows.Err()
		})
		if err != nil || !more {
			return err
		}
		after = last
	}
}

// deleteConversations removes conversations left empty: no message and no
// note, nothing dated on or after the cutoff, and no flow run waiting on
// them. Their assignments and bot state go with them (foreign keys);
// contacts stay.
func (s *Service) deleteConversations(ctx context.Context, runID, cutoff int64) error {
	var after int64
	for {
		var ids []any
		more, err := s.step(ctx, runID, func(tx store.Tx) (Counts, bool, error) {
			rows, err := tx.Query(ctx, `SELECT c.id FROM conversations c WHERE c.id > ? AND c.last_message_at < ? AND c.created_at < ?
				ORDER BY c.id LIMIT ?`, after, cutoff, cutoff, s.batch)
			if err != nil {
				return Counts{}, false, err
			}
			ids = ids[:0]
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return Counts{}, false, err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return Counts{}, false, err
			}
			var out Counts
			rest := ids
			for _, n := range store.Chunks(len(rest)) {
				args := append(append([]any{}, rest[:n]...), cutoff, cutoff)
				d, err := tx.Exec(ctx, `DELETE FROM conversations WHERE id IN (SELECT c.id FROM conversations c WHERE c.id IN (`+store.List(n)+`)
					AND c.last_message_at < ? AND c.created_at < ?
					AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)
					AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.conversation_id = c.id)
					AND `+keptByRun+`)`, args...)
				if err != nil {
					return out, false, err
				}
				out.Conversations += d
				rest = rest[n:]
			}
			return out, len(ids) == s.batch, nil
		})
		if err != nil || !more {
			return err
		}
		after = ids[len(ids)-1].(int64)
	}
}

// deleteLiveEvents removes the inbox's live events that name a message or
// conversation that is gone, a range of ids at a time (they are kept about
// a day, see live.sweep).
func (s *Service) deleteLiveEvents(ctx context.Context, runID int64) error {
	var from int64
	if err := s.db.Read().QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM live_events`).Scan(&from); err != nil {
		return err
	}
	for from > 0 {
		to := from + int64(s.batch)
		_, err := s.step(ctx, runID, func(tx store.Tx) (Counts, bool, error) {
			_, err := tx.Exec(ctx, `DELETE FROM live_events WHERE id >= ? AND id < ?
				AND ((message_id <> 0 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = live_events.message_id))
				  OR (conversation_id <> 0 AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = live_events.conversation_id)))`,
				from, to)
			return Counts{}, false, err
		})
		if err != nil {
			return err
		}
		// The next range starts at the next event: ids have gaps.
		if err := s.db.Read().QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM live_events WHERE id >= ?`, to).Scan(&from); err != nil {
			return err
		}
	}
	return nil
}
