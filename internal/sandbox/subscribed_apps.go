package sandbox

import "net/http"

// sandboxAppID is the id of the one simulated app subscribed to the
// sandbox WABA's webhooks.
const sandboxAppID = "100000000000900"

// handleSubscribedApps serves GET /{waba-id}/subscribed_apps in Meta's
// shape: one app (the sandbox's), whose alternate callback URL is where
// the sandbox posts webhooks, so `zapflow doctor` checks the subscription
// the same way against the sandbox as against Meta.
func (s *Sandbox) handleSubscribedApps(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id != s.cfg.WABAID {
		writeGraphError(w, unsupportedErr(r.Method, id))
		return
	}
	s.mu.Lock()
	callback := s.webhookURL
	s.mu.Unlock()
	app := map[string]any{
		"whatsapp_business_api_data": map[string]any{
			"id": sandboxAppID, "name": "Zapflow Sandbox", "link": "https://www.facebook.com/games/?app_id=" + sandboxAppID,
		},
	}
	if callback != "" {
		app["override_callback_uri"] = callback
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{app}})
}
