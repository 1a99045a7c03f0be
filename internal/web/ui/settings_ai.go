package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/settings"
)

// aiSettingsForm is the AI integration panel's form as the user typed it. The
// API key is write-only: it is never rendered back, not even after a
// refused save; the page shows only whether one is set and its last four
// characters.
type aiSettingsForm struct {
	Enabled     bool
	BaseURL     string
	Model       string
	Models      string // one per line
	Timeout     string
	Temperature string
	// View is the stored section: the key's state, the model list, where
	// calls go.
	View ai.AISettingsView
}

func aiSettingsFormOf(v ai.AISettingsView) aiSettingsForm {
	return aiSettingsForm{Enabled: v.Enabled, BaseURL: v.BaseURL, Model: v.Model, Models: strings.Join(v.Models, "\n"),
		Timeout: strconv.Itoa(v.TimeoutSeconds), Temperature: strconv.FormatFloat(v.Temperature, 'f', -1, 64), View: v}
}

// aiSettingsAudit is what the audit line compares: the key only as its hint.
type aiSettingsAudit struct {
	Enabled     bool     `json:"enabled"`
	BaseURL     string   `json:"base_url"`
	APIKey      string   `json:"api_key"`
	Model       string   `json:"model"`
	Models      []string `json:"models"`
	Timeout     int      `json:"timeout_seconds"`
	Temperature float64  `json:"temperature"`
}

func aiSettingsAuditOf(v ai.AISettingsView) aiSettingsAudit {
	key := ""
	if v.APIKeySet {
		key = "set" + v.APIKeyHint
	}
	return aiSettingsAudit{Enabled: v.Enabled, BaseURL: v.BaseURL, APIKey: key, Model: v.Model, Models: v.Models,
		Timeout: v.TimeoutSeconds, Temperature: v.Temperature}
}

func (u *UI) aiSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "ai")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.AI.AISettings(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, aiSettingsView(f, aiSettingsFormOf(v)))
}

// saveAISettings saves the panel through ai.Service.UpdateAISettings, the
// call behind PUT /api/v1/settings/ai. An empty key field keeps the
// stored key; "remove the key" clears it. Moving base_url to another host
// while a key is stored needs the key again (secret_required), shown at
// the key field.
func (u *UI) saveAISettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "ai")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := u.AI.AISettings(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	form := aiSettingsForm{Enabled: panelChecked(r, "enabled"), BaseURL: r.PostForm.Get("base_url"), Model: r.PostForm.Get("model"),
		Models: r.PostForm.Get("models"), Timeout: r.PostForm.Get("timeout_seconds"), Temperature: r.PostForm.Get("temperature"), View: before}
	models := panelLines(r, "models")
	in := ai.AISettingsInput{Enabled: &form.Enabled, BaseURL: &form.BaseURL, Model: &form.Model, Models: &models}
	if key := strings.TrimSpace(r.PostForm.Get("api_key")); key != "" {
		in.APIKey = &key
	} else if panelChecked(r, "remove_api_key") {
		in.APIKey = &key
	}
	timeout, ok := panelInt(ctx, &f, r, "timeout_seconds")
	in.TimeoutSeconds = &timeout
	temp, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(form.Temperature, ",", ".")), 64)
	if err != nil {
		f.Errors["temperature"] = t(ctx, "settings.err.decimal")
	}
	in.Temperature = &temp
	if ok && err == nil {
		after, err := u.AI.UpdateAISettings(ctx, in)
		if err == nil {
			u.panelSaved(w, r, f, settings.Diff(aiSettingsAuditOf(before), aiSettingsAuditOf(after), "api_key"))
			return
		}
		if !panelRefused(ctx, &f, err) {
			u.fail(w, r, err)
			return
		}
	}
	render(w, r, http.StatusUnprocessableEntity, aiSettingsView(f, form))
}
