package ai

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Reply is a generated answer and the AI conversation it belongs to.
type Reply struct {
	Reply          string `json:"reply"`
	ConversationID string `json:"conversation_id"`
}

// Input bounds for Reply.
const (
	maxCustomerID = 200
	maxMessage    = 16000
)

// Reply answers message from customerID with assistant assistantID (F7):
// it finds or creates the AI conversation for that customer identifier
// (any string: phone, e-mail, CRM id), sends the message with the
// conversation's recent history (bounded by the assistant's history limit
// and the token budget) and the context variables (the assistant's,
// overridden by vars), stores both turns and returns the reply.
//
// It is the one implementation behind POST /api/v1/assistants/{id}/replies
// and the flow step generate_ai_reply. Errors are *apperr.Error: not_found
// for the assistant, invalid_request on an input field, or one of the
// named AI errors (ai_disabled, ai_invalid_key, ai_unknown_model,
// ai_rate_limited, ai_timeout, ai_unavailable); of those, rate limits,
// timeouts and unavailability are worth retrying later.
func (s *Service) Reply(ctx context.Context, assistantID int64, customerID, message string, vars map[string]string) (Reply, error) {
	customerID, message = strings.TrimSpace(customerID), strings.TrimSpace(message)
	switch {
	case customerID == "" || utf8.RuneCountInString(customerID) > maxCustomerID:
		return Reply{}, apperr.Invalid("customer_id", "invalid_request", "customer_id is required (any identifier: phone, e-mail, CRM id; at most 200 characters)")
	case message == "":
		return Reply{}, apperr.Invalid("message", "invalid_request", "message is required")
	case utf8.RuneCountInString(message) > maxMessage:
		return Reply{}, apperr.Invalid("message", "invalid_request", "message must be at most 16000 characters")
	}
	if err := checkVariables("variables", vars); err != nil {
		return Reply{}, err
	}
	a, err := s.Assistant(ctx, assistantID)
	if err != nil {
		return Reply{}, err
	}
	convID, err := s.aiConversation(ctx, a.ID, customerID)
	if err != nil {
		return Reply{}, err
	}
	history, err := s.aiHistory(ctx, convID, a.HistoryLimit)
	if err != nil {
		return Reply{}, err
	}
	msgs := chat(systemMessage(a.SystemPrompt, mergeVars(a.Variables, vars)), fitHistory(history, a.HistoryLimit, s.historyTokens), message)
	out, err := s.complete(ctx, call{purpose: PurposeReply, assistant: &a, model: a.Model, temperature: &a.Temperature, messages: msgs})
	if err != nil {
		return Reply{}, err
	}
	now := store.Millis(s.now())
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO ai_messages (conversation_id, role, content, created_at) VALUES (?, ?, ?, ?), (?, ?, ?, ?)`,
			convID, RoleUser, message, now, convID, RoleAssistant, out.Text, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE ai_conversations SET updated_at = ? WHERE id = ?`, now, convID)
		return err
	})
	if err != nil {
		return Reply{}, err
	}
	return Reply{Reply: out.Text, ConversationID: strconv.FormatInt(convID, 10)}, nil
}

// aiConversation finds or creates the conversation of (assistant, customer).
func (s *Service) aiConversation(ctx context.Context, assistantID int64, customerID string) (int64, error) {
	var id int64
	now := store.Millis(s.now())
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO ai_conversations (assistant_id, customer_id, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (assistant_id, customer_id) DO NOTHING RETURNING id`, assistantID, customerID, now, now).Scan(&id)
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM ai_conversations WHERE assistant_id = ? AND customer_id = ?`, assistantID, customerID).Scan(&id)
	})
	return id, err
}

// aiHistory returns the latest limit turns of an AI conversation, oldest first.
func (s *Service) aiHistory(ctx context.Context, convID int64, limit int) ([]Message, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Read().Query(ctx, `SELECT role, content FROM (SELECT id, role, content FROM ai_messages WHERE conversation_id = ?
		ORDER BY id DESC LIMIT ?) m ORDER BY id`, convID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.Role, &m.Content); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
