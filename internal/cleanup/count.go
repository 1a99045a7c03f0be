package cleanup

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// count is the dry run: what a run started now would remove, read with
// the same conditions the deletes use. A conversation counts when nothing
// in it stays: no message on or after the cutoff, no outbound message
// still queued, no note on or after the cutoff, no active flow run on it.
func (s *Service) count(ctx context.Context, cutoff, now time.Time) (Counts, error) {
	c := store.Millis(cutoff)
	q := s.db.Read()
	var out Counts
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE `+oldMessage, c).Scan(&out.Messages)
	if err == nil {
		err = q.QueryRow(ctx, `SELECT COUNT(*) FROM media_cache mc JOIN messages m ON m.id = mc.message_id
			WHERE m.occurred_at < ? AND NOT (m.direction = 'out' AND m.status = 'queued')`, c).Scan(&out.Media)
	}
	if err == nil {
		err = q.QueryRow(ctx, `SELECT COUNT(*) FROM notes WHERE created_at < ?`, c).Scan(&out.Notes)
	}
	if err == nil {
		err = q.QueryRow(ctx, `SELECT COUNT(*) FROM inbound_events WHERE processed_at <> 0 AND received_at < ?`,
			store.Millis(webhookCutoff(cutoff, now))).Scan(&out.WebhookEvents)
	}
	if err == nil {
		err = q.QueryRow(ctx, `SELECT COUNT(*) FROM conversations c WHERE c.last_message_at < ? AND c.created_at < ?
			AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.occurred_at >= ?)
			AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'out' AND m.status = 'queued')
			AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.conversation_id = c.id AND n.created_at >= ?)
			AND `+keptByRun, c, c, c, c).Scan(&out.Conversations)
	}
	return out, err
}
