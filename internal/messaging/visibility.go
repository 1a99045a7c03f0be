package messaging

import (
	"context"
	"errors"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/store"
)

// Viewer is who looks at conversations, with what the support agents
// settings let them see. It is the one rule every list, page, API call,
// media download and event stream applies: with "restrict chats to the
// assigned agent" on, a user without PermViewAllChats (admins have it)
// sees and answers only the conversations assigned to them and the
// unassigned ones.
type Viewer struct {
	UserID int64
	// All lifts the restriction (it is off, or the user may see all).
	All bool
}

// ViewerOf returns what user may see under the current settings.
func (s *Service) ViewerOf(ctx context.Context, user agent.User) (Viewer, error) {
	v := Viewer{UserID: user.ID, All: user.Can(agent.PermViewAllChats)}
	if v.All {
		return v, nil
	}
	sa, err := supportAgents(ctx, s, s.db.Read())
	if err != nil {
		return v, err
	}
	v.All = !sa.RestrictToAssigned
	return v, nil
}

// ViewerOfPrincipal is ViewerOf for an API caller (a key acts as its user).
func (s *Service) ViewerOfPrincipal(ctx context.Context, p agent.Principal) (Viewer, error) {
	return s.ViewerOf(ctx, agent.User{ID: p.UserID, Role: p.Role, Permissions: p.Permissions})
}

// ViewerFromContext is the viewer of the API caller ctx carries; a context
// with no caller (internal work: flows, the assistant) sees everything.
func (s *Service) ViewerFromContext(ctx context.Context) (Viewer, error) {
	p, ok := agent.PrincipalFrom(ctx)
	if !ok {
		return Viewer{All: true}, nil
	}
	return s.ViewerOfPrincipal(ctx, p)
}

// Restricted returns the user v stands for when the restriction applies,
// and 0 when v sees everything: the filter value contacts and leads take
// (they follow the conversations' rule).
func (v Viewer) Restricted() int64 {
	if v.All {
		return 0
	}
	return v.UserID
}

// Sees reports whether v may see a conversation assigned to assignedTo
// (0: unassigned).
func (v Viewer) Sees(assignedTo int64) bool {
	return v.All || assignedTo == 0 || assignedTo == v.UserID
}

// where is the SQL condition (on conversations aliased c) that keeps what
// v may see, with its arguments; empty when v sees everything.
func (v Viewer) where() (string, []any) {
	if v.All {
		return "", nil
	}
	return ` AND c.assigned_user_id IN (0, ?)`, []any{v.UserID}
}

// CanSee reports whether user may see (and answer) conversation id. A
// conversation that does not exist is not seen. The event stream, media
// downloads and every page of a chat ask this.
func (s *Service) CanSee(ctx context.Context, user agent.User, conversationID int64) (bool, error) {
	v, err := s.ViewerOf(ctx, user)
	if err != nil || v.All {
		// Seeing everything needs no read: event streams ask this for
		// every event, and the settings behind ViewerOf are cached.
		return v.All, err
	}
	return s.Sees(ctx, v, conversationID)
}

// Sees reports whether v may see conversation id.
func (s *Service) Sees(ctx context.Context, v Viewer, conversationID int64) (bool, error) {
	var assigned int64
	err := s.db.Read().QueryRow(ctx, `SELECT assigned_user_id FROM conversations WHERE id = ?`, conversationID).Scan(&assigned)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return v.Sees(assigned), nil
}

// CheckSees returns not_found (conversation) when v may not see conversation
// id: a hidden chat looks exactly like one that does not exist, so its id
// tells nothing.
func (s *Service) CheckSees(ctx context.Context, v Viewer, conversationID int64) error {
	ok, err := s.Sees(ctx, v, conversationID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound("conversation")
	}
	return nil
}

// VisibleConversation returns conversation id when v may see it, and
// not_found otherwise.
func (s *Service) VisibleConversation(ctx context.Context, v Viewer, id int64) (Conversation, error) {
	if err := s.CheckSees(ctx, v, id); err != nil {
		return Conversation{}, err
	}
	return s.Conversation(ctx, id)
}

// supportAgents reads the support agents settings (q may be a transaction).
func supportAgents(ctx context.Context, s *Service, q store.Querier) (agent.SupportAgentsSettings, error) {
	return agent.SupportAgents(ctx, s.settings, q)
}

// CheckSendTo refuses a send by v to a customer whose conversation with
// that sender v may not see (restricted chats: another agent's customer).
// The sender is its id or its phone_number_id; a customer with no
// conversation yet is anyone's to write to.
func (s *Service) CheckSendTo(ctx context.Context, v Viewer, senderID int64, senderRef, to string) error {
	if v.All || to == "" {
		return nil
	}
	e164, err := phone.Normalize(to, "")
	if err != nil {
		return nil // the send itself reports the bad number
	}
	var assigned int64
	err = s.db.Read().QueryRow(ctx, `SELECT c.assigned_user_id FROM conversations c
		JOIN contacts k ON k.id = c.contact_id JOIN senders n ON n.id = c.sender_id
		WHERE k.phone = ? AND (n.id = ? OR n.phone_number_id = ?)`, e164, senderID, senderRef).Scan(&assigned)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !v.Sees(assigned) {
		return apperr.New(apperr.KindForbidden, CodeConversationRestricted,
			"this customer's conversation is assigned to another agent; ask someone who may assign chats to give it to you")
	}
	return nil
}

// CodeConversationRestricted refuses a send into another agent's chat.
const CodeConversationRestricted = "conversation_restricted"
