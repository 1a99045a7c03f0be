package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// A template's button parameters reach the Cloud API (the sandbox, which
// checks them as Meta does) in the documented components, written out by
// hand; a media header parameter for a template without a media header is
// refused with the field named. (Media headers and copy-code buttons:
// send_template_media_e2e_test.go.)
func TestSendTemplateButtonParameters(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		const to = "+5511955554444"
		r := send(t, env, map[string]any{"type": "template", "sender": 1, "to": to,
			"template": map[string]any{"name": "promo_offer", "language": "pt_BR"},
			"variables": map[string]string{"header.1": "Ana", "1": "VERAO20", "2": "20%", "3": "31/03",
				"button.0": "verao", "button.1": "STOP_PROMOS"}})
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511955554444","type":"template",
			"template":{"name":"promo_offer","language":{"code":"pt_BR"},"components":[
				{"type":"header","parameters":[{"type":"text","text":"Ana"}]},
				{"type":"body","parameters":[{"type":"text","text":"VERAO20"},{"type":"text","text":"20%"},{"type":"text","text":"31/03"}]},
				{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"verao"}]},
				{"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"STOP_PROMOS"}]}]}}`,
			sentBody(t, env, r.msg.ID))

		r = send(t, env, map[string]any{"type": "template", "sender": 1, "to": to,
			"template":  map[string]any{"name": "order_confirmation", "language": "pt_BR"},
			"variables": map[string]string{"1": "Ana", "2": "#1", "3": "R$ 1", "4": "15/03", "header.image": "https://example.com/a.jpg"}})
		requireRefused(t, r, "invalid_request")
		require.Equal(t, "variables.header.image", r.err.Error.Field)
		require.Contains(t, r.err.Error.Message, "text header")
	})
}
