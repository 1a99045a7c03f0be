package web

import (
	"fmt"
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/httpx"
)

// API keys: admins list, create (for any user) and revoke them. A key acts
// with its user's role; the key itself is in the create answer only.

func (s *server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	userID, err := queryInt(r, "user_id")
	if err != nil {
		return err
	}
	keys, err := s.Agents.ListAPIKeys(r.Context(), userID)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"api_keys": keys})
	return nil
}

type createAPIKeyRequest struct {
	Name      string `json:"name"`
	UserID    int64  `json:"user_id"`
	UserEmail string `json:"user_email"`
}

func (s *server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in createAPIKeyRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	userID := in.UserID
	switch {
	case userID > 0 && in.UserEmail != "":
		return apperr.Invalid("user_email", "invalid_api_key", "give user_id or user_email, not both")
	case in.UserEmail != "":
		u, err := s.Agents.UserByEmail(r.Context(), in.UserEmail)
		if err != nil {
			return err
		}
		userID = u.ID
	case userID <= 0:
		return apperr.Invalid("user_id", "invalid_api_key", "user_id or user_email is required: a key acts as a user, with that user's role")
	}
	k, key, err := s.Agents.CreateAPIKey(r.Context(), in.Name, userID)
	if err != nil {
		return err
	}
	s.audit(r, agent.AuditAPIKeys, fmt.Sprintf("created API key %q (#%d) for user #%d", k.Name, k.ID, userID))
	httpx.JSON(w, http.StatusCreated, map[string]any{"api_key": k, "key": key})
	return nil
}

func (s *server) getAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.Agents.GetAPIKey(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, k)
	return nil
}

func (s *server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.Agents.RevokeAPIKey(r.Context(), id)
	if err != nil {
		return err
	}
	s.audit(r, agent.AuditAPIKeys, fmt.Sprintf("revoked API key %q (#%d)", k.Name, k.ID))
	httpx.JSON(w, http.StatusOK, k)
	return nil
}
