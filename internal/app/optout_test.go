package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/messaging"
)

// F17: the opt-out keyword is a setting; a change applies to the next
// inbound message, and a bad keyword is refused naming its place.
func TestOptOutKeywordsAreASetting(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		var got messaging.OptOutSettings
		require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/settings/opt-out", nil, &got))
		require.Equal(t, []string{"STOP", "SAIR", "PARAR"}, got.Keywords, "the defaults")

		var bad errorBody
		require.Equal(t, http.StatusUnprocessableEntity, env.Do("PUT", "/api/v1/settings/opt-out",
			map[string]any{"keywords": []string{"CANCELAR", "!!!"}}, &bad))
		require.Equal(t, "keywords[1]", bad.Error.Field)
		require.Equal(t, "invalid_settings", bad.Error.Code)

		require.Equal(t, http.StatusOK, env.Do("PUT", "/api/v1/settings/opt-out",
			map[string]any{"keywords": []string{"Cancelar"}}, &got))
		require.Equal(t, []string{"Cancelar"}, got.Keywords)

		optedOut := func(phone string) int {
			return env.Count(`SELECT COUNT(*) FROM contacts WHERE phone = ? AND opted_out = ?`, phone, true)
		}
		const stays, leaves = "+5511955550001", "+5511955550002"
		customerWrites(t, env, "100000000000011", stays, "stop")
		customerWrites(t, env, "100000000000011", leaves, "CANCELAR!")
		env.Eventually(func() bool { return optedOut(leaves) == 1 }, "the new keyword opts out")
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in' AND summary = 'stop'`) == 1
		}, "the other message is processed")
		require.Zero(t, optedOut(stays), "the old default no longer opts out")
	})
}
