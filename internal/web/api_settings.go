package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/messaging"
)

// Settings sections. GET shows a section to any key (the inbox needs to
// know whether AI is on); PUT changes it, admins only. PUT merges: fields
// left out keep their value, and the result is validated as a whole with
// the failing field named in the error. Changes apply at once.

func (s *server) getAISettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.AI.AISettings(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) putAISettings(w http.ResponseWriter, r *http.Request) error {
	var in ai.AISettingsInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	v, err := s.AI.UpdateAISettings(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) getAssistantSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.AI.AssistantSettings(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) putAssistantSettings(w http.ResponseWriter, r *http.Request) error {
	var in ai.AssistantSettingsInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	v, err := s.AI.UpdateAssistantSettings(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) getStopBotSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.AI.StopBotSettings(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) putStopBotSettings(w http.ResponseWriter, r *http.Request) error {
	var in ai.StopBotSettingsInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	v, err := s.AI.UpdateStopBotSettings(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) getOptOutSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Messaging.OptOutSettings(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) putOptOutSettings(w http.ResponseWriter, r *http.Request) error {
	var in messaging.OptOutSettings
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	v, err := s.Messaging.UpdateOptOutSettings(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}
