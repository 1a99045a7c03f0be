package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/settings"
)

// Webhook forwarding: its settings, the signing secret and the delivery
// log. Every route needs manage_settings: the endpoint and the log carry
// customers' messages.

func (s *server) getForwardSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Forward.View(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) putForwardSettings(w http.ResponseWriter, r *http.Request) error {
	var in forward.Input
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	before, err := s.Forward.View(r.Context())
	if err != nil {
		return err
	}
	v, err := s.Forward.Update(r.Context(), in)
	if err != nil {
		return err
	}
	summary := settings.Diff(forwardAuditOf(before), forwardAuditOf(v))
	if v.NewSecret != "" {
		summary = joinAudit(summary, "signing secret generated")
	}
	s.audit(r, forward.Key, summary)
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) rotateForwardSecret(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Forward.RotateSecret(r.Context())
	if err != nil {
		return err
	}
	s.audit(r, forward.Key, "signing secret rotated")
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	state, err := queryString(r, "state")
	if err != nil {
		return err
	}
	before, err := queryString(r, "before")
	if err != nil {
		return err
	}
	conv, err := queryInt(r, "conversation_id")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	ds, err := s.Forward.Deliveries(r.Context(), forward.Filter{State: state, Before: before, ConversationID: conv, Limit: int(min(limit, 1000))})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"deliveries": ds})
	return nil
}

func (s *server) getDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Forward.Delivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, d)
	return nil
}

func (s *server) resendDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Forward.Resend(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, d)
	return nil
}

// forwardAudit is what an audit line compares: the secret never, only
// whether one is set.
type forwardAudit struct {
	Enabled bool   `json:"enabled"`
	Method  string `json:"method"`
	URL     string `json:"url"`
}

func forwardAuditOf(v forward.View) forwardAudit {
	return forwardAudit{Enabled: v.Enabled, Method: v.Method, URL: v.URL}
}

func joinAudit(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
