package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/lead"
)

// restrictedTo returns the caller's user id when "restrict chats to the
// assigned agent" limits what they see, and 0 when they see everything.
// Contacts and leads follow the same rule as conversations: a restricted
// agent must not read another agent's customers through them either.
func (s *server) restrictedTo(r *http.Request) (int64, error) {
	v, err := s.Messaging.ViewerFromContext(r.Context())
	return v.Restricted(), err
}

// checkContactVisible answers not_found (contact) for a contact the caller
// may not see, so that its id tells nothing.
func (s *server) checkContactVisible(r *http.Request, id int64) error {
	user, err := s.restrictedTo(r)
	if err != nil || user == 0 {
		return err
	}
	ok, err := s.Contacts.VisibleTo(r.Context(), id, user)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound("contact")
	}
	return nil
}

// visibleLead returns lead id when the caller may see it: a restricted
// agent sees their own leads and the unassigned ones; any other is
// not_found.
func (s *server) visibleLead(r *http.Request, id int64) (lead.Lead, error) {
	l, err := s.Leads.Get(r.Context(), id)
	if err != nil {
		return l, err
	}
	v, err := s.Messaging.ViewerFromContext(r.Context())
	if err != nil {
		return lead.Lead{}, err
	}
	if !v.Sees(l.AgentID) {
		return lead.Lead{}, apperr.NotFound("lead")
	}
	return l, nil
}
