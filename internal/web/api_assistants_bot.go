package web

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/httpx"
)

// The bot's pause state in a WhatsApp conversation (F19): visible to any
// key, paused and resumed by hand by agents and admins.

func (s *server) getBotState(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.checkConversation(r, id); err != nil {
		return err
	}
	st, err := s.AI.BotState(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, st)
	return nil
}

// pauseRequest is the body of POST /api/v1/conversations/{id}/bot/pause.
type pauseRequest struct {
	Hours  int    `json:"hours"` // 0: until resumed by hand
	Reason string `json:"reason"`
}

func (s *server) pauseBot(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.checkConversation(r, id); err != nil {
		return err
	}
	var in pauseRequest
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
			return err
		}
	}
	st, err := s.AI.PauseBot(r.Context(), id, in.Hours, in.Reason, s.who(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, st)
	return nil
}

func (s *server) resumeBot(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.checkConversation(r, id); err != nil {
		return err
	}
	st, err := s.AI.ResumeBot(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, st)
	return nil
}

// who names the caller for records such as "paused by": the API key,
// since that is what authenticated the request.
func (s *server) who(r *http.Request) string {
	p, err := s.authenticate(r)
	if err != nil {
		return "api"
	}
	return "api_key:" + strconv.FormatInt(p.KeyID, 10)
}
