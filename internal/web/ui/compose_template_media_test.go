package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

// A template with an image header gets a field for the header's link in
// the reply box, like any variable: a send without it is refused with the
// named error and the draft kept, and one with it stores the Cloud API's
// image header component.
func TestReplyBoxTemplateWithAnImageHeader(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b, conv := composeChat(t, env)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM templates WHERE name = 'hello_world' AND status = 'APPROVED'`) == 1
		}, "the sandbox's templates are synced")
		ctx := context.Background()
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE templates SET components = ? WHERE name = 'hello_world'`,
				`[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Seu recibo, {{1}}"}]`)
			return err
		}))
		closeWindow(t, env)

		status, _, body := b.do(http.MethodGet, "/inbox/"+conv+"?template=hello_world|en_US", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `name="var.header.image"`)
		require.Contains(t, body, `name="var.1"`)

		form := url.Values{"template": {"hello_world|en_US"}, "var.1": {"Ana"}, "op": {"send"}}
		status, _, body = b.do(http.MethodPost, "/inbox/"+conv+"/template", form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `data-code="invalid_request"`)
		require.Contains(t, body, "header.image is required")
		require.Contains(t, body, `value="Ana"`, "the typed variables are kept")

		form.Set("var.header.image", "https://example.com/recibo.jpg")
		status, _, _ = b.do(http.MethodPost, "/inbox/"+conv+"/template", form, nil)
		require.Equal(t, http.StatusSeeOther, status)
		var content string
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT content FROM messages WHERE direction = 'out'`).Scan(&content))
		var p struct {
			Template struct {
				Components []json.RawMessage `json:"components"`
			} `json:"template"`
		}
		require.NoError(t, json.Unmarshal([]byte(content), &p))
		require.Len(t, p.Template.Components, 2)
		require.JSONEq(t, `{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/recibo.jpg"}}]}`, string(p.Template.Components[0]))
	})
}
