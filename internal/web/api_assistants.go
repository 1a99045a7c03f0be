package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/httpx"
)

// Assistants (F7): CRUD for admins, replies for any key.

func (s *server) listAssistants(w http.ResponseWriter, r *http.Request) error {
	list, err := s.AI.Assistants(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"assistants": list})
	return nil
}

func (s *server) createAssistant(w http.ResponseWriter, r *http.Request) error {
	var in ai.AssistantInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	a, err := s.AI.CreateAssistant(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, a)
	return nil
}

func (s *server) getAssistant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.AI.Assistant(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a)
	return nil
}

func (s *server) updateAssistant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ai.AssistantInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	a, err := s.AI.UpdateAssistant(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a)
	return nil
}

func (s *server) deleteAssistant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.AI.DeleteAssistant(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// replyRequest is the body of POST /api/v1/assistants/{id}/replies.
type replyRequest struct {
	CustomerID string            `json:"customer_id"`
	Message    string            `json:"message"`
	Variables  map[string]string `json:"variables"`
}

func (s *server) assistantReply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in replyRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	rep, err := s.AI.Reply(r.Context(), id, in.CustomerID, in.Message, in.Variables)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, rep)
	return nil
}
