package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestSettingsChangedOverTheAPIAreAudited shows a change made with an API
// key lands in the same audit log the settings pages show, naming the
// key's user; a save that changes nothing writes no line.
func TestSettingsChangedOverTheAPIAreAudited(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		body := `{"stop_keywords":["parar","cancelar"],"restart_after_hours":6}`
		status, out := call(t, env, env.APIKey, http.MethodPut, "/api/v1/settings/stop-bot", body)
		require.Equal(t, http.StatusOK, status, out)
		status, out = call(t, env, env.APIKey, http.MethodPut, "/api/v1/settings/stop-bot", body)
		require.Equal(t, http.StatusOK, status, out)
		changes, err := env.App.Settings.Changes(context.Background(), "stop_bot", 10)
		require.NoError(t, err)
		require.Len(t, changes, 1, "the repeat changed nothing")
		require.Contains(t, changes[0].Summary, "cancelar")
		require.NotZero(t, changes[0].UserID)
	})
}
