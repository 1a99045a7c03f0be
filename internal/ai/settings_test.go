package ai

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The API key is encrypted at rest and never shown; the view says where
// calls go.
func TestAISettingsKeyEncryptedAndHidden(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		v, err := e.svc.AISettings(ctx)
		require.NoError(t, err)
		require.True(t, v.APIKeySet)
		require.Equal(t, "…1234", v.APIKeyHint)
		require.Equal(t, e.model.srv.URL+"/v1", v.EffectiveBaseURL)
		require.False(t, v.Sandbox)
		require.Equal(t, DefaultModels, v.Models)
		require.Equal(t, "gpt-4o-mini", v.Model)

		var raw string
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, KeyAI).Scan(&raw))
		require.NotContains(t, raw, "sk-test-1234", "the key is not stored in clear")
		require.Contains(t, raw, "enc:v1:")

		// Changing other fields keeps the key.
		v, err = e.svc.UpdateAISettings(ctx, AISettingsInput{Model: ptr("gpt-4o")})
		require.NoError(t, err)
		require.True(t, v.APIKeySet)
		require.Equal(t, "gpt-4o", v.Model)
	})
}

func TestAISettingsValidation(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	e := newEnv(t, db)
	for _, tc := range []struct {
		in    AISettingsInput
		field string
	}{
		{AISettingsInput{Model: ptr("gpt-9")}, "model"},
		{AISettingsInput{Models: &[]string{"llama3"}}, "model"}, // the current model left the list
		{AISettingsInput{Models: &[]string{" "}}, "models"},
		{AISettingsInput{BaseURL: ptr("ftp://x")}, "base_url"},
		{AISettingsInput{TimeoutSeconds: ptr(0)}, "timeout_seconds"},
		{AISettingsInput{Temperature: ptr(-0.1)}, "temperature"},
	} {
		_, err := e.svc.UpdateAISettings(ctx, tc.in)
		apperrtest.RequireCode(t, err, "invalid_request", tc.field)
	}
	v, err := e.svc.UpdateAISettings(ctx, AISettingsInput{Models: &[]string{"llama3", "qwen2"}, Model: ptr("qwen2")})
	require.NoError(t, err)
	require.Equal(t, []string{"llama3", "qwen2"}, v.Models, "the model list is configurable")
}

// With the sandbox on and nothing configured, calls go to the sandbox
// model, so a fresh install works without a key.
func TestSandboxIsTheDefault(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	box, err := secret.New("k")
	require.NoError(t, err)
	f := newFakeModel(t)
	svc := New(Options{DB: db, Box: box, Settings: settings.New(db, nil, 0), Model: &OpenAI{HTTP: f.srv.Client()},
		SandboxURL: f.srv.URL + "/v1"})
	v, err := svc.AISettings(ctx)
	require.NoError(t, err)
	require.True(t, v.Sandbox)
	require.False(t, v.APIKeySet)
	out, err := svc.Transform(ctx, TransformRequest{Action: ActionSimplify, Text: "x"})
	require.NoError(t, err)
	require.Equal(t, "reply 1", out.Text)
	require.Equal(t, "Bearer sandbox", f.last(t).Auth)

	// A key set later takes over from the sandbox (OpenAI's URL by default).
	v, err = svc.UpdateAISettings(ctx, AISettingsInput{APIKey: ptr("sk-live-abcdefgh")})
	require.NoError(t, err)
	require.False(t, v.Sandbox)
	require.True(t, strings.HasPrefix(v.EffectiveBaseURL, "https://api.openai.com"))
}
