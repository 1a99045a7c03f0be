package lead

import (
	"context"
	"errors"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// What a flow's lead steps need besides UpdateOpen, AssignOpen and
// NextAgent: finding the run's contact and the agent it names.

// ErrNoContact is returned when a flow's run names no stored contact
// (an event-triggered flow for a phone that never wrote or was written to).
var ErrNoContact = apperr.New(apperr.KindInvalid, "contact_not_found", "the run's contact is not stored yet: it is created by the first message to or from them")

// ResolveContact finds a flow run's contact through q: contactID when it
// exists, else the conversation's contact, else the contact with phone
// (E.164, "+" optional).
func (s *Service) ResolveContact(ctx context.Context, q store.Querier, contactID, conversationID int64, phone string) (int64, error) {
	try := func(query string, arg any) (int64, error) {
		var id int64
		err := q.QueryRow(ctx, query, arg).Scan(&id)
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil
		}
		return id, err
	}
	if contactID != 0 {
		if id, err := try(`SELECT id FROM contacts WHERE id = ?`, contactID); err != nil || id != 0 {
			return id, err
		}
	}
	if conversationID != 0 {
		if id, err := try(`SELECT contact_id FROM conversations WHERE id = ?`, conversationID); err != nil || id != 0 {
			return id, err
		}
	}
	if waID := strings.TrimPrefix(strings.TrimSpace(phone), "+"); waID != "" {
		if id, err := try(`SELECT id FROM contacts WHERE wa_id = ?`, waID); err != nil || id != 0 {
			return id, err
		}
	}
	return 0, ErrNoContact
}

// ErrAgentNotFound is returned when no active user has the email a flow
// names.
var ErrAgentNotFound = apperr.New(apperr.KindInvalid, "agent_not_found", "no active user has this email")

// AgentByEmail returns the id of the active user with email (any case).
func (s *Service) AgentByEmail(ctx context.Context, q store.Querier, email string) (int64, error) {
	var id int64
	var active bool
	err := q.QueryRow(ctx, `SELECT id, active FROM users WHERE LOWER(email) = LOWER(?)`, strings.TrimSpace(email)).Scan(&id, &active)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !active) {
		return 0, ErrAgentNotFound
	}
	return id, err
}
