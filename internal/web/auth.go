package web

import (
	"net/http"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
)

// authenticate resolves the request's bearer API key to the user it acts
// for.
func (s *server) authenticate(r *http.Request) (agent.Principal, error) {
	h := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || key == "" {
		return agent.Principal{}, apperr.New(apperr.KindUnauthorized, "missing_api_key",
			"send an API key as 'Authorization: Bearer <key>' (create one with 'zapflow apikey create')")
	}
	return s.Agents.AuthenticateKey(r.Context(), strings.TrimSpace(key))
}

// authorize is the one permission check: every route (and every page of
// the web app, through the same agent.Principal.Can) states what it needs
// and this decides, so API keys and sessions of the same user are allowed
// the same things.
func authorize(p agent.Principal, need auth) error {
	if need.level == levelNone {
		return nil
	}
	if p.UserID <= 0 {
		return apperr.New(apperr.KindUnauthorized, "invalid_api_key", "the API key is not valid or was revoked")
	}
	switch need.level {
	case levelKey:
		return nil
	case levelAdmin:
		if p.IsAdmin() {
			return nil
		}
		return apperr.New(apperr.KindForbidden, "forbidden", "this action needs an admin; your API key acts as "+p.Email+" ("+p.Role+")")
	case levelPerm:
		if need.perm != "" && p.Can(need.perm) {
			return nil
		}
		return apperr.New(apperr.KindForbidden, "forbidden", "this action needs the permission "+need.perm+
			"; your API key acts as "+p.Email+" ("+p.Role+"), and an admin can grant it on the users page")
	}
	return apperr.New(apperr.KindForbidden, "forbidden", "this action is not allowed")
}
