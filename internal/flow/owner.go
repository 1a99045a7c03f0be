package flow

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/zapflow/zapflow/internal/store"
)

// A run that waits for the customer's reply holds the conversation: the
// assistant stays quiet there (one bot answers at a time). Pausing the bot
// there ends that run and the runs the conversation's messages started (a
// stop stops every bot). Runs started by an event keep sending: opt-out
// rules govern those messages, not the bot's pause.

// pausedRunsQuery finds the runs a pause ends: those waiting for a reply
// in the conversation, and those its messages started that are still in
// progress (in a delay, say). Both conditions repeat "<> 0" so each can
// use its partial index.
const pausedRunsQuery = `SELECT id FROM flow_runs WHERE reply_conversation_id = ? AND reply_conversation_id <> 0
	UNION SELECT id FROM flow_runs WHERE message_conversation_id = ? AND message_conversation_id <> 0 AND status IN ('running', 'waiting')
	ORDER BY id`

// OnBotPaused ends, as cancelled with why, every run waiting for a reply
// in conversation convID and every run its messages started that is still
// in progress; it runs in the transaction that pauses the bot.
func (s *Service) OnBotPaused(ctx context.Context, tx store.Tx, convID int64, why string) error {
	ids, err := store.QueryIDs(ctx, tx, pausedRunsQuery, convID, convID)
	if err != nil {
		return err
	}
	return s.cancelRuns(ctx, tx, ids, why)
}

// ConversationRun is the run that holds a conversation.
type ConversationRun struct {
	ID       int64  `json:"id"`
	FlowID   int64  `json:"flow_id"`
	FlowName string `json:"flow_name"`
	Step     string `json:"step"`
}

// HoldsConversation reports, through q, whether a run waits for a reply
// in conversation convID.
func (s *Service) HoldsConversation(ctx context.Context, q store.Querier, convID int64) (bool, error) {
	var id int64
	err := q.QueryRow(ctx, replyRunsQuery+` LIMIT 1`, convID).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ConversationRun returns the run waiting for a reply in conversation
// convID (the newest, should there be several), or nil.
func (s *Service) ConversationRun(ctx context.Context, convID int64) (*ConversationRun, error) {
	var r ConversationRun
	var state string
	err := s.DB.Read().QueryRow(ctx, `SELECT r.id, r.flow_id, f.name, r.state FROM flow_runs r JOIN flows f ON f.id = r.flow_id
		WHERE r.reply_conversation_id = ? AND r.reply_conversation_id <> 0 ORDER BY r.id DESC LIMIT 1`, convID).Scan(&r.ID, &r.FlowID, &r.FlowName, &state)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal([]byte(state), &st); err != nil {
		return nil, err
	}
	if st.Wait != nil {
		r.Step = st.Wait.Step
	}
	return &r, nil
}
