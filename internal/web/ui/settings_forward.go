package ui

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/settings"
)

// The webhook forwarding panel (/settings/forwarding): on/off, GET or
// POST, the endpoint, and the signing secret, shown only in the answer to
// the request that generated it (the first switch-on, or "Generate a new
// secret"): that page is rendered directly, never redirected to, so the
// secret is in no URL and no later page. The delivery log is a page of
// its own (/settings/forwarding/deliveries).

// forwardForm is the panel's form as typed.
type forwardForm struct {
	Enabled bool
	Method  string
	URL     string
	// View is the stored section (the secret's state).
	View forward.View
	// NewSecret is the secret to show this once ("" otherwise).
	NewSecret string
}

func forwardFormOf(v forward.View) forwardForm {
	return forwardForm{Enabled: v.Enabled, Method: v.Method, URL: v.URL, View: v, NewSecret: v.NewSecret}
}

// forwardAudit is what the audit line compares: never the secret.
type forwardAudit struct {
	Enabled bool   `json:"enabled"`
	Method  string `json:"method"`
	URL     string `json:"url"`
}

func forwardAuditOf(v forward.View) forwardAudit {
	return forwardAudit{Enabled: v.Enabled, Method: v.Method, URL: v.URL}
}

func (u *UI) forwardSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "forwarding")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.Forward.View(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, forwardSettingsView(f, forwardFormOf(v)))
}

// saveForwardSettings saves through forward.Service.Update, the call
// behind PUT /api/v1/settings/forwarding. The save that generates the
// secret shows it on the page it answers with.
func (u *UI) saveForwardSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "forwarding")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := u.Forward.View(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	form := forwardForm{Enabled: panelChecked(r, "enabled"), Method: r.PostForm.Get("method"), URL: r.PostForm.Get("url"), View: before}
	after, err := u.Forward.Update(ctx, forward.Input{Enabled: &form.Enabled, Method: &form.Method, URL: &form.URL})
	if err != nil {
		if !panelRefused(ctx, &f, err) {
			u.fail(w, r, err)
			return
		}
		render(w, r, http.StatusUnprocessableEntity, forwardSettingsView(f, form))
		return
	}
	summary := settings.Diff(forwardAuditOf(before), forwardAuditOf(after))
	if after.NewSecret == "" {
		u.panelSaved(w, r, f, summary)
		return
	}
	u.forwardSecretShown(w, r, f, after, joinSummary(summary, "signing secret generated"))
}

// rotateForwardSecret generates a new signing secret and shows it once.
func (u *UI) rotateForwardSecret(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "forwarding")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.Forward.RotateSecret(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.forwardSecretShown(w, r, f, v, "signing secret rotated")
}

// forwardSecretShown records the change and answers with the panel
// showing the new secret.
func (u *UI) forwardSecretShown(w http.ResponseWriter, r *http.Request, f settingsFrame, v forward.View, summary string) {
	if err := u.Settings.RecordChange(r.Context(), f.Panel.Section, userFrom(r.Context()).ID, summary); err != nil {
		u.fail(w, r, err)
		return
	}
	var err error
	if f.Audit, err = u.Settings.Changes(r.Context(), f.Panel.Section, auditShown); err != nil {
		u.fail(w, r, err)
		return
	}
	f.Saved = true
	w.Header().Set("Cache-Control", "no-store")
	render(w, r, http.StatusOK, forwardSettingsView(f, forwardFormOf(v)))
}

func joinSummary(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// forwardDeliveriesData is the delivery log page.
type forwardDeliveriesData struct {
	Chrome     chrome
	Panel      settingsPanel
	Deliveries []forward.Delivery
	State      string // the filter
	Held       bool   // forwarding is off: pending deliveries wait
	// Resent names the delivery just resent; Refused says a resend was
	// refused because forwarding is off.
	Resent  string
	Refused bool
}

// forwardDeliveriesPage lists the latest deliveries with their attempts.
func (u *UI) forwardDeliveriesPage(w http.ResponseWriter, r *http.Request) {
	d := forwardDeliveriesData{Chrome: u.chrome(r.Context()), Panel: panelBySlug("forwarding"),
		State: r.URL.Query().Get("state"), Resent: r.URL.Query().Get("resent"),
		Refused: r.URL.Query().Get("refused") == "1"}
	switch d.State {
	case forward.StatePending, forward.StateDelivered, forward.StateFailed:
	default:
		d.State = ""
	}
	var err error
	d.Deliveries, err = u.Forward.Deliveries(r.Context(), forward.Filter{State: d.State, Limit: 50, WithAttempts: true})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.Forward.View(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Held = !v.Enabled
	render(w, r, http.StatusOK, forwardDeliveriesView(d))
}

// resendForwardDelivery sends one delivery again and goes back to the log.
func (u *UI) resendForwardDelivery(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := u.Forward.Resend(r.Context(), id); err != nil {
		ae, ok := apperr.As(err)
		switch {
		case ok && ae.Kind == apperr.KindNotFound:
			http.Error(w, t(r.Context(), "forward.log.not_found"), http.StatusNotFound)
		case ok && ae.Kind == apperr.KindConflict:
			http.Redirect(w, r, "/settings/forwarding/deliveries?refused=1", http.StatusSeeOther)
		default:
			u.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/settings/forwarding/deliveries?resent="+url.QueryEscape(id), http.StatusSeeOther)
}

// forwardPayloadOf reads what a delivery sends, for the log's columns.
func forwardPayloadOf(d forward.Delivery) forward.Payload {
	var p forward.Payload
	_ = json.Unmarshal(d.Payload, &p)
	return p
}

// clipText shortens s to n characters for a table cell.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
