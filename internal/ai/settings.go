package ai

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Settings sections (rows of the settings table).
const (
	KeyAI        = "ai"
	KeyAssistant = "assistant"
	KeyStopBot   = "stop_bot"
)

// DefaultModels is the configurable model list's default (F23).
var DefaultModels = []string{"gpt-3.5-turbo", "gpt-3.5-turbo-16k", "gpt-4", "gpt-4-turbo",
	"gpt-4-0125-preview", "gpt-4-turbo-preview", "gpt-4o", "gpt-4o-mini"}

// RecommendedModel balances speed, quality and price for live chat.
const RecommendedModel = "gpt-4o-mini"

// openAIBaseURL is used when a key is set and no base URL.
const openAIBaseURL = "https://api.openai.com/v1"

// AISettings is the stored AI section. APIKey is encrypted with the
// secret box before it is stored and never leaves the server.
type AISettings struct {
	// Enabled gates every model call (helpers, assistants, the WhatsApp
	// assistant): off means ai_disabled everywhere, one switch to stop
	// all AI spending at once.
	Enabled        bool     `json:"enabled"`
	BaseURL        string   `json:"base_url"`
	APIKey         string   `json:"api_key"`
	Model          string   `json:"model"`
	Models         []string `json:"models"`
	TimeoutSeconds int      `json:"timeout_seconds"`
	Temperature    float64  `json:"temperature"`
}

func defaultAISettings() AISettings {
	return AISettings{Enabled: true, Model: RecommendedModel, Models: slices.Clone(DefaultModels), TimeoutSeconds: 30, Temperature: 0.3}
}

// AISettingsView is what the API shows: the key only as set or not and
// its last four characters.
type AISettingsView struct {
	Enabled          bool     `json:"enabled"`
	BaseURL          string   `json:"base_url"`
	APIKeySet        bool     `json:"api_key_set"`
	APIKeyHint       string   `json:"api_key_hint,omitempty"`
	Model            string   `json:"model"`
	Models           []string `json:"models"`
	RecommendedModel string   `json:"recommended_model"`
	TimeoutSeconds   int      `json:"timeout_seconds"`
	Temperature      float64  `json:"temperature"`
	// Sandbox says calls go to the built-in sandbox model (no key and no
	// base URL set while the sandbox is on); EffectiveBaseURL is where
	// they go.
	Sandbox          bool   `json:"sandbox"`
	EffectiveBaseURL string `json:"effective_base_url,omitempty"`
}

// AISettingsInput changes the AI section; omitted fields keep their value.
// An api_key of "" removes the key. A base_url on another host than the
// stored one needs api_key in the same request while a key is stored
// (secret_required): the key is only sent to the endpoint it was entered
// for.
type AISettingsInput struct {
	Enabled        *bool     `json:"enabled"`
	BaseURL        *string   `json:"base_url"`
	APIKey         *string   `json:"api_key"`
	Model          *string   `json:"model"`
	Models         *[]string `json:"models"`
	TimeoutSeconds *int      `json:"timeout_seconds"`
	Temperature    *float64  `json:"temperature"`
}

func (s *Service) aiSettings(ctx context.Context, q store.Querier) (AISettings, error) {
	return settings.Get(ctx, s.settings, q, KeyAI, defaultAISettings())
}

// AISettings returns the AI section as the API shows it.
func (s *Service) AISettings(ctx context.Context) (AISettingsView, error) {
	st, err := s.aiSettings(ctx, nil)
	if err != nil {
		return AISettingsView{}, err
	}
	key, err := s.box.Decrypt(st.APIKey)
	if err != nil {
		return AISettingsView{}, err
	}
	v := AISettingsView{Enabled: st.Enabled, BaseURL: st.BaseURL, APIKeySet: key != "", Model: st.Model, Models: st.Models,
		RecommendedModel: RecommendedModel, TimeoutSeconds: st.TimeoutSeconds, Temperature: st.Temperature}
	if len(key) >= 8 {
		v.APIKeyHint = "…" + key[len(key)-4:]
	}
	if ep, err := s.endpoint(st); err == nil {
		v.EffectiveBaseURL = ep.BaseURL
		sb := s.sandboxModelURL()
		v.Sandbox = sb != "" && ep.BaseURL == sb
	}
	return v, nil
}

// UpdateAISettings validates and saves a change to the AI section.
func (s *Service) UpdateAISettings(ctx context.Context, in AISettingsInput) (AISettingsView, error) {
	st, err := s.aiSettings(ctx, nil)
	if err != nil {
		return AISettingsView{}, err
	}
	if in.Enabled != nil {
		st.Enabled = *in.Enabled
	}
	if in.BaseURL != nil {
		u := strings.TrimRight(strings.TrimSpace(*in.BaseURL), "/")
		if u != "" {
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
				return AISettingsView{}, apperr.Invalid("base_url", "invalid_request",
					"base_url must be an http(s) URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 (empty: OpenAI, or the sandbox without a key)")
			}
		}
		if err := s.checkBaseURL(st, u, in.APIKey != nil); err != nil {
			return AISettingsView{}, err
		}
		st.BaseURL = u
	}
	if in.APIKey != nil {
		if st.APIKey, err = s.box.Encrypt(strings.TrimSpace(*in.APIKey)); err != nil {
			return AISettingsView{}, err
		}
	}
	if in.Models != nil {
		if st.Models, err = cleanList("models", *in.Models, 50, 100); err != nil {
			return AISettingsView{}, err
		}
		if len(st.Models) == 0 {
			return AISettingsView{}, apperr.Invalid("models", "invalid_request", "models must list at least one model")
		}
	}
	if in.Model != nil {
		st.Model = strings.TrimSpace(*in.Model)
	}
	if !slices.Contains(st.Models, st.Model) {
		return AISettingsView{}, apperr.Invalid("model", "invalid_request",
			"model must be one of the configured models: "+strings.Join(st.Models, ", "))
	}
	if in.TimeoutSeconds != nil {
		if *in.TimeoutSeconds < 1 || *in.TimeoutSeconds > 300 {
			return AISettingsView{}, apperr.Invalid("timeout_seconds", "invalid_request", "timeout_seconds must be from 1 to 300")
		}
		st.TimeoutSeconds = *in.TimeoutSeconds
	}
	if in.Temperature != nil {
		if *in.Temperature < 0 || *in.Temperature > 2 {
			return AISettingsView{}, apperr.Invalid("temperature", "invalid_request", "temperature must be from 0 to 2")
		}
		st.Temperature = *in.Temperature
	}
	if err := settings.Put(ctx, s.settings, KeyAI, st); err != nil {
		return AISettingsView{}, err
	}
	return s.AISettings(ctx)
}

// checkBaseURL refuses a new base URL whose host the outbound guard
// already refuses, and a move to another host that does not give the
// API key again while one is stored (the key must never reach a host it
// was not entered for; "" is an explicit answer: no key).
func (s *Service) checkBaseURL(st AISettings, u string, keyGiven bool) error {
	if u != "" && s.checkURL != nil {
		if err := s.checkURL(u); err != nil {
			if d, ok := netguard.AsDenied(err); ok {
				return apperr.Invalid("base_url", netguard.Code, d.Error())
			}
			return apperr.Invalid("base_url", "invalid_request", "base_url must be an http(s) URL of an OpenAI-compatible API")
		}
	}
	if keyGiven || netguard.SameOrigin(orOpenAI(st.BaseURL), orOpenAI(u)) {
		return nil
	}
	key, err := s.box.Decrypt(st.APIKey)
	if err != nil {
		return err
	}
	if key == "" {
		return nil
	}
	return apperr.Invalid("api_key", "secret_required",
		"base_url moves to another host: give api_key again in the same request (\"\" for none); the stored key is only sent to the base URL it was entered for")
}

// orOpenAI is where a base URL sends calls (empty: OpenAI).
func orOpenAI(u string) string {
	if u == "" {
		return openAIBaseURL
	}
	return u
}

// endpoint resolves where calls go: the configured base URL and key; with
// neither set, the sandbox model when the sandbox is on, else ai_disabled.
func (s *Service) endpoint(st AISettings) (Endpoint, error) {
	if !st.Enabled {
		return Endpoint{}, errDisabled("it is switched off in the AI settings")
	}
	key, err := s.box.Decrypt(st.APIKey)
	if err != nil {
		return Endpoint{}, err
	}
	ep := Endpoint{BaseURL: st.BaseURL, APIKey: key, Timeout: time.Duration(st.TimeoutSeconds) * time.Second}
	sb := s.sandboxModelURL()
	switch {
	case key == "" && st.BaseURL == "" && sb != "":
		ep.BaseURL, ep.APIKey = sb, "sandbox"
	case key == "" && st.BaseURL == "":
		return Endpoint{}, errDisabled("no API key is set")
	case st.BaseURL == "":
		ep.BaseURL = openAIBaseURL
	}
	return ep, nil
}

// cleanList trims, drops empties and duplicates (case-insensitively), and
// bounds a list setting.
func cleanList(field string, in []string, maxItems, maxLen int) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" || seen[strings.ToLower(v)] {
			continue
		}
		if len([]rune(v)) > maxLen {
			return nil, apperr.Invalid(field, "invalid_request", field+" entries must be at most "+strconv.Itoa(maxLen)+" characters")
		}
		seen[strings.ToLower(v)] = true
		out = append(out, v)
	}
	if len(out) > maxItems {
		return nil, apperr.Invalid(field, "invalid_request", field+" may list at most "+strconv.Itoa(maxItems)+" entries")
	}
	return out, nil
}
