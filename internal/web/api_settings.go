package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/settings"
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
	before, err := s.AI.AISettings(r.Context())
	if err != nil {
		return err
	}
	v, err := s.AI.UpdateAISettings(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, ai.KeyAI, settings.Diff(before, v, "api_key_hint"))
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
	before, err := s.AI.AssistantSettings(r.Context())
	if err != nil {
		return err
	}
	v, err := s.AI.UpdateAssistantSettings(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, ai.KeyAssistant, settings.Diff(before, v))
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
	before, err := s.AI.StopBotSettings(r.Context())
	if err != nil {
		return err
	}
	v, err := s.AI.UpdateStopBotSettings(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, ai.KeyStopBot, settings.Diff(before, v))
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
	before, err := s.Messaging.OptOutSettings(r.Context())
	if err != nil {
		return err
	}
	v, err := s.Messaging.UpdateOptOutSettings(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, "opt_out", settings.Diff(before, v))
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

// audit records who changed a settings section through the API, in the
// same log the settings pages show. The change is made: a failure to log
// it is logged, not returned.
func (s *server) audit(r *http.Request, section, summary string) {
	if summary == "" || s.Settings == nil {
		return
	}
	p, _ := agent.PrincipalFrom(r.Context())
	if err := s.Settings.RecordChange(r.Context(), section, p.UserID, summary); err != nil {
		s.Log.Error("recording a settings change", "section", section, "err", err)
	}
}
