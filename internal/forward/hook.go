package forward

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
)

// Delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateFailed    = "failed"
)

// InboundHook returns the hook to register with messaging.Service.OnInbound:
// while forwarding is on, every new inbound message gets its delivery row
// in the message's own transaction, so the message and its delivery
// commit (or roll back) together. The dispatcher is woken after commit.
func (s *Service) InboundHook() messaging.InboundHook {
	return func(ctx context.Context, tx store.Tx, ev messaging.InboundEvent) error {
		st, err := s.settings(ctx, tx)
		if err != nil || !st.Enabled || st.URL == "" {
			return err
		}
		id, err := newDeliveryID()
		if err != nil {
			return err
		}
		body, err := json.Marshal(s.payloadOf(id, ev))
		if err != nil {
			return err
		}
		now := store.Millis(s.Now())
		if _, err := tx.Exec(ctx, `INSERT INTO forward_deliveries (delivery_id, conversation_id, message_id, payload, state,
				next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`,
			id, ev.ConversationID, ev.Message.ID, string(body), now, now, now); err != nil {
			return err
		}
		tx.AfterCommit(s.Wake)
		return nil
	}
}

// newDeliveryID is a random UUID (version 4): unique across installations,
// so an endpoint can use it to ignore a delivery it already has.
func newDeliveryID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
