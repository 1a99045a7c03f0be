package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/httpx"
)

// The agent's AI helpers and saved prompts (F23), and the model call log.

func (s *server) aiTransform(w http.ResponseWriter, r *http.Request) error {
	var in ai.TransformRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	out, err := s.AI.Transform(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

func (s *server) listAICalls(w http.ResponseWriter, r *http.Request) error {
	assistantID, err := queryInt(r, "assistant_id")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	calls, err := s.AI.Calls(r.Context(), assistantID, int(limit))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"calls": calls})
	return nil
}

func (s *server) listPrompts(w http.ResponseWriter, r *http.Request) error {
	list, err := s.AI.Prompts(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"prompts": list})
	return nil
}

func (s *server) getPrompt(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.AI.Prompt(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, p)
	return nil
}

func (s *server) createPrompt(w http.ResponseWriter, r *http.Request) error {
	var in ai.PromptInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	p, err := s.AI.CreatePrompt(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, p)
	return nil
}

func (s *server) updatePrompt(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ai.PromptInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	p, err := s.AI.UpdatePrompt(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, p)
	return nil
}

func (s *server) deletePrompt(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.AI.DeletePrompt(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
