package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/httpx"
)

// eventBody is POST /api/v1/events (F10).
type eventBody struct {
	Type           string         `json:"type"`
	Data           map[string]any `json:"data"`
	IdempotencyKey string         `json:"idempotency_key"`
}

// postEvent starts every enabled flow subscribed to the event's type: 202
// with the new runs, or 200 with the first delivery's runs when the
// idempotency key was seen before.
func (s *server) postEvent(w http.ResponseWriter, r *http.Request) error {
	var body eventBody
	if err := httpx.DecodeJSON(w, r, flow.MaxEventData, &body); err != nil {
		return err
	}
	if body.Type == "" {
		return apperr.Invalid("type", "invalid_request", "type is required, e.g. call.completed")
	}
	res, err := s.Flows.Event(r.Context(), body.Type, body.Data, body.IdempotencyKey)
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if res.Duplicate {
		status = http.StatusOK
	}
	httpx.JSON(w, status, res)
	return nil
}
