package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/app"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// installation is one zapflow's data: a data folder, and a PostgreSQL
// schema on that dialect.
type installation struct {
	dir, dbURL string
}

func newInstallation(t *testing.T, d store.Dialect) installation {
	in := installation{dir: t.TempDir()}
	if d == store.Postgres {
		in.dbURL = storetest.URL(t)
	}
	return in
}

func (in installation) config(t *testing.T, sandboxMode string) config.Config {
	t.Helper()
	env := map[string]string{"ZAPFLOW_ADDR": "127.0.0.1:0", "ZAPFLOW_DATA_DIR": in.dir, "ZAPFLOW_DATABASE_URL": in.dbURL,
		"ZAPFLOW_SANDBOX": sandboxMode, "ZAPFLOW_SANDBOX_ASSISTANT": "false"}
	cfg, err := config.Parse(func(k string) string { return env[k] }, nil)
	require.NoError(t, err)
	return cfg
}

func (in installation) option(mode string) apptest.Option {
	return func(c *config.Config) { c.DataDir, c.DatabaseURL, c.Sandbox = in.dir, in.dbURL, mode }
}

// sandboxSecretOf starts (without serving) a zapflow with the sandbox on
// and returns the app secret its sandbox signs with.
func sandboxSecretOf(t *testing.T, in installation) string {
	t.Helper()
	a, err := app.New(context.Background(), in.config(t, "true"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	defer a.Close()
	return a.Sandbox.Config().AppSecret
}

// inboundBody is a customer's text to the first sandbox number, as Meta
// would post it.
func inboundBody(wamid string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"100000000000001","changes":[{"field":"messages","value":{
		"messaging_product":"whatsapp","metadata":{"display_phone_number":"551140000001","phone_number_id":"100000000000011"},
		"contacts":[{"profile":{"name":"Ana"},"wa_id":"5511988887777"}],
		"messages":[{"from":"5511988887777","id":"` + wamid + `","timestamp":"1700000000","type":"text","text":{"body":"oi"}}]}}]}]}`)
}

const wamid = "wamid.sandbox-off-test"

func eachDialect(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// Each installation gets its own random sandbox secrets and keeps them
// across restarts; a webhook signed with the constant older versions used
// is refused.
func TestSandboxSecretsArePerInstallation(t *testing.T) {
	eachDialect(t, func(t *testing.T, d store.Dialect) {
		one, two := newInstallation(t, d), newInstallation(t, d)
		s1 := sandboxSecretOf(t, one)
		require.NotContains(t, sandbox.LegacySecrets(), s1)
		require.NotEqual(t, s1, sandboxSecretOf(t, two), "two installations")
		require.Equal(t, s1, sandboxSecretOf(t, one), "a restart keeps them")

		env := apptest.Start(t, d, one.option("true"))
		body := inboundBody(wamid)
		status, raw := env.PostWebhook(1, "sandbox-app-secret", body)
		require.Equal(t, http.StatusUnauthorized, status, raw)
		require.Contains(t, raw, "invalid_signature")
		status, raw = env.PostWebhook(1, s1, body)
		require.Equal(t, http.StatusOK, status, raw)
	})
}

// With ZAPFLOW_SANDBOX=false the sandbox account made earlier is as good
// as gone: its webhook answers 404, its numbers cannot send, /sandbox/ is
// not served.
func TestSandboxAccountDisabledWhenSandboxOff(t *testing.T) {
	eachDialect(t, func(t *testing.T, d store.Dialect) {
		in := newInstallation(t, d)
		secret := sandboxSecretOf(t, in)
		env := apptest.Start(t, d, in.option("false"))
		require.False(t, env.App.SandboxOn())

		status, raw := env.PostWebhook(1, secret, inboundBody(wamid))
		require.Equal(t, http.StatusNotFound, status, raw)
		require.Contains(t, raw, "unknown_account")
		requireSandboxSendRefused(t, env)
		require.Equal(t, http.StatusNotFound, env.Do("GET", "/sandbox/api/sent", nil, nil))
	})
}

func requireSandboxSendRefused(t *testing.T, env *apptest.Env) {
	t.Helper()
	var e errorBody
	status := env.Do("POST", "/api/v1/messages", map[string]any{"type": "text", "sender": "100000000000011", "to": "+5511988887777", "text": "oi"}, &e)
	require.Equal(t, http.StatusNotFound, status, e)
	require.Equal(t, "sandbox_off", e.Error.Code)
}

// In auto mode the first real account turns the sandbox off at once, with
// no restart: /sandbox/ answers 404, the sandbox webhook is refused, its
// numbers cannot send, and the demo's assistant and model are switched off.
func TestRealAccountTurnsAutoSandboxOffAtOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, d store.Dialect) {
		in := newInstallation(t, d)
		env := apptest.Start(t, d, in.option("auto"), func(c *config.Config) { c.SandboxAssistant = true })
		secret := env.App.Sandbox.Config().AppSecret
		require.True(t, env.App.SandboxOn())
		require.Equal(t, http.StatusOK, env.Do("GET", "/sandbox/api/sent", nil, nil))
		var aiView ai.AISettingsView
		require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/settings/ai", nil, &aiView))
		require.True(t, aiView.Sandbox, "the sandbox model answers while on")

		var acc struct{ ID int64 }
		require.Equal(t, http.StatusCreated, env.Do("POST", "/api/v1/accounts", map[string]string{
			"name": "Loja", "waba_id": "555", "access_token": "real-token", "app_secret": "real-secret", "verify_token": "real-verify",
		}, &acc))

		require.False(t, env.App.SandboxOn())
		var e errorBody
		require.Equal(t, http.StatusNotFound, env.Do("GET", "/sandbox/api/sent", nil, &e))
		require.Equal(t, "sandbox_off", e.Error.Code)
		require.Equal(t, http.StatusNotFound, env.Do("GET", "/sandbox/graph/v23.0/100000000000011", nil, nil))
		status, raw := env.PostWebhook(1, secret, inboundBody(wamid))
		require.Equal(t, http.StatusNotFound, status, raw)
		require.Contains(t, raw, "unknown_account")
		requireSandboxSendRefused(t, env)

		var st ai.AssistantSettings
		require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/settings/assistant", nil, &st))
		require.False(t, st.Enabled, "the sandbox assistant is off")
		require.Equal(t, ai.SandboxFooter, st.Footer)
		var after ai.AISettingsView
		require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/settings/ai", nil, &after))
		require.False(t, after.Sandbox, "the sandbox model is no longer used")
		require.Empty(t, after.EffectiveBaseURL)

		// The real account works.
		status, raw = env.PostWebhook(acc.ID, "real-secret", inboundBody(wamid))
		require.Equal(t, http.StatusOK, status, raw)
	})
}

// An assistant an admin made their own stays on when the sandbox turns off.
func TestSandboxOffKeepsAnAdminsAssistant(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t, store.SQLite, func(c *config.Config) { c.Sandbox, c.SandboxAssistant = "auto", true })
	require.Equal(t, http.StatusOK, env.Do("PUT", "/api/v1/settings/assistant", map[string]any{"assistant_footer_message": "— Acme bot"}, nil))
	require.Equal(t, http.StatusCreated, env.Do("POST", "/api/v1/accounts", map[string]string{
		"name": "Loja", "waba_id": "555", "access_token": "real-token", "app_secret": "real-secret", "verify_token": "real-verify",
	}, nil))
	var st ai.AssistantSettings
	require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/settings/assistant", nil, &st))
	require.True(t, st.Enabled)
}

// With several instances on one database, one that did not create the
// real account turns its sandbox off on its next check.
func TestAutoSandboxFollowsAnotherInstance(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t, store.SQLite, func(c *config.Config) { c.Sandbox = "auto" })
	ctx := context.Background()
	require.NoError(t, env.App.RecheckSandbox(ctx))
	require.True(t, env.App.SandboxOn(), "no real account yet")

	// Another instance's insert: this one's hook does not run.
	require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (name, waba_id, access_token, app_secret, verify_token, graph_url, graph_version, sandbox, created_at, updated_at)
			VALUES ('Loja', '555', '', '', '', 'https://graph.facebook.com', 'v23.0', ?, 0, 0)`, false)
		return err
	}))
	require.True(t, env.App.SandboxOn())
	require.NoError(t, env.App.RecheckSandbox(ctx))
	require.False(t, env.App.SandboxOn())
	require.Equal(t, http.StatusNotFound, env.Do("GET", "/sandbox/api/sent", nil, nil))
	requireSandboxSendRefused(t, env)
}
