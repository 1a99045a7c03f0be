package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestAISettingsKeyIsWriteOnly saves an API key on the AI integration
// page: the page then says a key is set and shows its last four
// characters, never the key (not after saving, not after a refused save,
// not in the audit line). Moving the base URL to another host without
// typing the key again is refused at the key field (secret_required)
// and saves nothing; with the key typed again it saves.
func TestAISettingsKeyIsWriteOnly(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		const key = "sk-test-0123456789-secret-wxyz"
		b := settingsAdmin(t, env, "ana@example.com")
		_, _, body := b.do(http.MethodGet, "/settings/ai", nil, nil)
		require.Contains(t, body, "No key is set.")
		require.Contains(t, body, "gpt-4o-mini (recommended)")

		form := func(base, apiKey string) url.Values {
			return url.Values{"enabled": {"on"}, "base_url": {base}, "api_key": {apiKey}, "model": {"gpt-4o"},
				"models": {"gpt-4o\ngpt-4o-mini"}, "timeout_seconds": {"20"}, "temperature": {"0,5"}}
		}
		body = b.saveSettings("/settings/ai", form("", key))
		require.NotContains(t, body, key)
		require.NotContains(t, body, "0123456789")
		require.Contains(t, body, "…wxyz", "the key's last four characters")
		require.Contains(t, body, "api_key changed")
		require.Contains(t, body, "Agent ana@example.com")
		v, err := env.App.AI.AISettings(ctx)
		require.NoError(t, err)
		require.True(t, v.APIKeySet)
		require.Equal(t, "gpt-4o", v.Model)
		require.Equal(t, 20, v.TimeoutSeconds)
		require.InDelta(t, 0.5, v.Temperature, 1e-9)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings WHERE value LIKE ?`, "%"+key+"%"), "stored encrypted")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings_audit WHERE summary LIKE ?`, "%wxyz%"), "the audit never holds the key")

		audits := env.Count(`SELECT COUNT(*) FROM settings_audit`)
		status, _, body := b.do(http.MethodPost, "/settings/ai", form("https://llm.example.com/v1", ""), nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-api_key"`)
		require.Contains(t, body, "type the API key again")
		require.Contains(t, body, `value="https://llm.example.com/v1"`, "the base URL typed is kept")
		require.NotContains(t, body, key)
		v, err = env.App.AI.AISettings(ctx)
		require.NoError(t, err)
		require.Empty(t, v.BaseURL, "nothing saved")
		require.Equal(t, audits, env.Count(`SELECT COUNT(*) FROM settings_audit`))

		status, _, body = b.do(http.MethodPost, "/settings/ai", url.Values{"enabled": {"on"}, "model": {"gpt-unknown"},
			"models": {"gpt-4o"}, "timeout_seconds": {"20"}, "temperature": {"0.5"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-model"`)
		require.Contains(t, body, "model must be one of the configured models")
		require.Contains(t, body, `<option value="gpt-unknown" selected>`, "the choice is kept")

		b.saveSettings("/settings/ai", form("https://llm.example.com/v1", "sk-other-key-abcd"))
		v, err = env.App.AI.AISettings(ctx)
		require.NoError(t, err)
		require.Equal(t, "https://llm.example.com/v1", v.BaseURL)
		require.Equal(t, "…abcd", v.APIKeyHint)
	})
}
