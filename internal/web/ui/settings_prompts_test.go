package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestSavedPromptsPanel adds, edits and deletes a saved prompt of the ✨
// menu; a duplicate name and an empty instruction are refused in their
// own form with the input kept, and each change leaves an audit line.
func TestSavedPromptsPanel(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		b := settingsAdmin(t, env, "ana@example.com")
		defaults := env.Count(`SELECT COUNT(*) FROM ai_prompts`)

		body := b.saveSettings("/settings/prompts", url.Values{"name": {"Boas-vindas"}, "description": {"Saudação"}, "prompt": {"Cumprimente o cliente."}})
		require.Contains(t, body, `value="Boas-vindas"`)
		require.Contains(t, body, `created prompt &#34;Boas-vindas&#34;`)
		require.Equal(t, defaults+1, env.Count(`SELECT COUNT(*) FROM ai_prompts`))
		var id int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id FROM ai_prompts WHERE name = ?`, "Boas-vindas").Scan(&id))
		path := "/settings/prompts/" + strconv.FormatInt(id, 10)

		status, _, body := b.do(http.MethodPost, "/settings/prompts", url.Values{"name": {"Boas-vindas"}, "prompt": {"Outra"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-name"`)
		require.Contains(t, body, ">Outra</textarea>", "the instruction typed is kept")
		require.Equal(t, defaults+1, env.Count(`SELECT COUNT(*) FROM ai_prompts`))

		status, _, body = b.do(http.MethodPost, path, url.Values{"name": {"Boas-vindas 2"}, "prompt": {"  "}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-prompt"`)
		require.Contains(t, body, `value="Boas-vindas 2"`)
		p, err := env.App.AI.Prompt(ctx, id)
		require.NoError(t, err)
		require.Equal(t, "Cumprimente o cliente.", p.Prompt, "nothing saved")

		status, h, _ := b.do(http.MethodPost, path, url.Values{"name": {"Boas-vindas"}, "description": {"Saudação"}, "prompt": {"Cumprimente com carinho."}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/settings/prompts?saved=1", h.Get("Location"))
		p, err = env.App.AI.Prompt(ctx, id)
		require.NoError(t, err)
		require.Equal(t, "Cumprimente com carinho.", p.Prompt)

		status, _, _ = b.do(http.MethodPost, path+"/delete", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, defaults, env.Count(`SELECT COUNT(*) FROM ai_prompts`))
		status, _, _ = b.do(http.MethodPost, path+"/delete", url.Values{}, nil)
		require.Equal(t, http.StatusNotFound, status)
		require.Equal(t, 3, env.Count(`SELECT COUNT(*) FROM settings_audit WHERE section = 'ai_prompts'`))
	})
}
