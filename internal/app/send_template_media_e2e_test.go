package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/store"
)

// The sandbox's image-header and coupon templates send end to end on both
// databases: the API's variables become the template components Meta's
// template guides document (written out by hand here), the sandbox checks
// them as Meta does and stores the send, and a tap on the photo's quick
// reply comes back with the payload the send gave it, answering it. A
// send missing the image is refused by our API with the variable named
// before anything reaches the Cloud API; and when our copy of a template
// is stale (it lost its image header), the Cloud API's own check answers
// 132012 and the message fails with it, as an invalid request.
func TestSendTemplateWithAnImageHeaderThroughTheSandbox(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM templates WHERE name IN ('order_shipped_photo', 'coupon_code') AND status = 'APPROVED'`) == 2
		}, "the sandbox's media and coupon templates are synced")
		sb := env.App.Sandbox
		const to = "+5511955553333"
		photo := func(vars map[string]string) map[string]any {
			return map[string]any{"type": "template", "sender": 1, "to": to,
				"template": map[string]any{"name": "order_shipped_photo", "language": "pt_BR"}, "variables": vars}
		}
		outbound := func() int { return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`) }

		// Missing the image: a named error, nothing stored or sent.
		r := send(t, env, photo(map[string]string{"1": "Ana", "2": "#1234"}))
		requireRefused(t, r, "invalid_request")
		require.Equal(t, "variables.header.image", r.err.Error.Field)
		require.Contains(t, r.err.Error.Message, "image header")
		require.Zero(t, outbound())
		require.Empty(t, sb.Sent())

		r = send(t, env, photo(map[string]string{"1": "Ana", "2": "#1234", "header.image": "https://example.com/pacote.jpg", "button.1": "NOT_RECEIVED"}))
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511955553333","type":"template",
			"template":{"name":"order_shipped_photo","language":{"code":"pt_BR"},"components":[
				{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/pacote.jpg"}}]},
				{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"#1234"}]},
				{"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"NOT_RECEIVED"}]}]}}`,
			sentBody(t, env, r.msg.ID))
		m := getMessage(t, env, r.msg.ID)
		stored := sb.Sent()
		require.Len(t, stored, 1)
		require.Equal(t, m.WAMID, stored[0].WAMID)
		require.Equal(t, "order_shipped_photo", stored[0].TemplateName)
		require.Equal(t, "Olá Ana, seu pedido #1234 foi enviado! Esta é a foto do pacote.", stored[0].Text)
		require.Equal(t, []sandbox.Choice{{Kind: sandbox.ChoiceQuickReply, ID: "Recebi", Title: "Recebi"},
			{Kind: sandbox.ChoiceQuickReply, ID: "NOT_RECEIVED", Title: "Não recebi"}}, sb.Choices(stored[0]))

		tap, err := sb.CustomerTaps(phone1, to, "Ana", sandbox.Tap{Template: true, Title: "Não recebi"})
		require.NoError(t, err)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = ? AND type = 'button' AND content LIKE '%NOT_RECEIVED%'
				AND reply_to_message_id = ?`, tap, m.ID) == 1
		}, "the tap comes back with the payload, answering the photo")

		// The coupon's copy-code button takes the code; without it, a named error.
		coupon := func(vars map[string]string) map[string]any {
			return map[string]any{"type": "template", "sender": 1, "to": to,
				"template": map[string]any{"name": "coupon_code", "language": "pt_BR"}, "variables": vars}
		}
		before := outbound()
		r = send(t, env, coupon(map[string]string{"1": "VERAO20", "2": "20%"}))
		require.Contains(t, requireRefused(t, r, "invalid_variables"), "{{button.0}}")
		require.Equal(t, before, outbound())
		r = send(t, env, coupon(map[string]string{"1": "VERAO20", "2": "20%", "button.0": "VERAO20"}))
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511955553333","type":"template",
			"template":{"name":"coupon_code","language":{"code":"pt_BR"},"components":[
				{"type":"body","parameters":[{"type":"text","text":"VERAO20"},{"type":"text","text":"20%"}]},
				{"type":"button","sub_type":"copy_code","index":"0","parameters":[{"type":"coupon_code","coupon_code":"VERAO20"}]}]}}`,
			sentBody(t, env, r.msg.ID))

		// A stale copy without the image header: the Cloud API refuses the send.
		ctx := context.Background()
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE templates SET components = ? WHERE name = 'order_shipped_photo'`,
				`[{"type":"BODY","text":"Olá {{1}}, seu pedido {{2}} foi enviado! Esta é a foto do pacote."}]`)
			return err
		}))
		sentBefore := len(sb.Sent())
		r = send(t, env, photo(map[string]string{"1": "Ana", "2": "#1234"}))
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		waitUntil(t, func() bool { return getMessage(t, env, r.msg.ID).Status == messaging.StatusFailed }, "the send fails")
		m = getMessage(t, env, r.msg.ID)
		require.Equal(t, "invalid_request", m.ErrorCode)
		require.Equal(t, "Meta error 132012: Parameter format does not match format in the created template: "+
			"header: Format mismatch, expected IMAGE, received UNKNOWN", m.ErrorDetail)
		require.Len(t, sb.Sent(), sentBefore, "the sandbox refused it")
	})
}
