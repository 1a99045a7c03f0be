package web

import (
	"context"
	"net/http"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/phone"
)

func (s *server) listConversations(w http.ResponseWriter, r *http.Request) error {
	var f messaging.ConversationFilter
	var err error
	if f.SenderID, err = queryInt(r, "sender_id"); err != nil {
		return err
	}
	if f.ContactID, err = queryInt(r, "contact_id"); err != nil {
		return err
	}
	if f.WindowOpen, err = queryBool(r, "window_open"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	f.Limit = int(limit)
	if f.Cursor, err = queryString(r, "cursor"); err != nil {
		return err
	}
	if p := r.URL.Query().Get("phone"); p != "" {
		if f.Phone, err = phone.Normalize(p, ""); err != nil {
			return apperr.Invalid("phone", "invalid_phone", err.Error())
		}
	}
	v, err := s.Messaging.ViewerFromContext(r.Context())
	if err != nil {
		return err
	}
	page, err := s.Messaging.ConversationsFor(r.Context(), v, f)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, page)
	return nil
}

func (s *server) getConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.checkConversation(r, id); err != nil {
		return err
	}
	c, err := s.Messaging.Conversation(r.Context(), id)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	msgs, err := s.Messaging.Messages(r.Context(), id, int(limit))
	if err != nil {
		return err
	}
	owner, err := s.conversationOwner(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, struct {
		messaging.Conversation
		Owner    conversationOwner   `json:"owner"`
		Messages []messaging.Message `json:"messages"`
	}{c, owner, msgs})
	return nil
}

// conversationOwner is who answers the customer in a conversation, with
// what decides it: the bot's pause, a person's handover, and the flow run
// waiting for the customer's reply. One bot answers at a time.
type conversationOwner struct {
	ai.Ownership
	Run *flow.ConversationRun `json:"run"`
	// Answering is who answers the next message: flow (a run waits for
	// it), human (a person replied within the handover window),
	// assistant, or nobody (the bot is paused, or no assistant is on).
	Answering string `json:"answering"`
}

func (s *server) conversationOwner(ctx context.Context, id int64) (conversationOwner, error) {
	var o conversationOwner
	var err error
	if o.Ownership, err = s.AI.Ownership(ctx, id); err != nil {
		return o, err
	}
	if o.Run, err = s.Flows.ConversationRun(ctx, id); err != nil {
		return o, err
	}
	switch {
	case o.Bot.Paused:
		o.Answering = "nobody"
	case o.Run != nil:
		o.Answering = "flow"
	case o.HandoverUntil != nil:
		o.Answering = "human"
	case o.AssistantEnabled:
		o.Answering = "assistant"
	default:
		o.Answering = "nobody"
	}
	return o, nil
}

// checkConversation answers 404 for a conversation the caller may not see
// (restricted chats: another agent's), exactly as for one that does not
// exist. Every conversation-scoped route calls it.
func (s *server) checkConversation(r *http.Request, id int64) error {
	v, err := s.Messaging.ViewerFromContext(r.Context())
	if err != nil {
		return err
	}
	return s.Messaging.CheckSees(r.Context(), v, id)
}
