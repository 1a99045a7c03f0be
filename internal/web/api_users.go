package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/httpx"
)

// Users: admins (and agents granted manage_users) list, create and edit
// the people who use zapflow. Deactivating a user or resetting their
// password ends their sessions; their API keys stop with them.

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Agents.ListUsers(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"users": users})
	return nil
}

type createUserRequest struct {
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Password    string   `json:"password"`
	Permissions []string `json:"permissions"`
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in createUserRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	actor, _ := agent.PrincipalFrom(r.Context())
	u, err := s.Agents.AddUser(r.Context(), actor, agent.NewUser{Email: in.Email, Name: in.Name, Role: in.Role,
		Password: in.Password, Permissions: in.Permissions})
	if err != nil {
		return err
	}
	s.audit(r, agent.AuditUsers, agent.AddedSummary(u))
	httpx.JSON(w, http.StatusCreated, u)
	return nil
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Agents.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, u)
	return nil
}

// updateUserRequest is a PATCH: absent fields keep their values.
type updateUserRequest struct {
	Name        *string   `json:"name"`
	Role        *string   `json:"role"`
	Permissions *[]string `json:"permissions"`
	Active      *bool     `json:"active"`
	Away        *bool     `json:"away"`
	Password    *string   `json:"password"`
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in updateUserRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	actor, _ := agent.PrincipalFrom(r.Context())
	ch := agent.UserChange{Name: in.Name, Role: in.Role, Permissions: in.Permissions, Active: in.Active, Away: in.Away, Password: in.Password}
	u, err := s.Agents.UpdateUser(r.Context(), actor, id, ch)
	if err != nil {
		return err
	}
	s.audit(r, agent.AuditUsers, ch.Summary(u))
	httpx.JSON(w, http.StatusOK, u)
	return nil
}
