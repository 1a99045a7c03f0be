package sandbox

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTemplateMediaHeaderAndButtons shows the sandbox's image-header and
// coupon templates send with the parameters Meta documents (written out
// here as its template guides show them) and are refused, like Meta
// refuses them, when a parameter is missing or of the wrong kind.
func TestTemplateMediaHeaderAndButtons(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	body := map[string]any{"type": "body", "parameters": []any{
		map[string]any{"type": "text", "text": "Ana"}, map[string]any{"type": "text", "text": "#1234"}}}
	header := func(typ string, media map[string]any) map[string]any {
		p := map[string]any{"type": typ}
		if media != nil {
			p[typ] = media
		}
		return map[string]any{"type": "header", "parameters": []any{p}}
	}
	image := header("image", map[string]any{"link": "https://example.com/pacote.jpg"})
	photo := func(comps ...map[string]any) map[string]any {
		return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": ana, "type": "template",
			"template": map[string]any{"name": "order_shipped_photo", "language": map[string]any{"code": "pt_BR"}, "components": comps}}
	}
	copyCode := func(code string) map[string]any {
		return map[string]any{"type": "button", "sub_type": "copy_code", "index": "0",
			"parameters": []any{map[string]any{"type": "coupon_code", "coupon_code": code}}}
	}
	coupon := func(comps ...map[string]any) map[string]any {
		comps = append([]map[string]any{{"type": "body", "parameters": []any{
			map[string]any{"type": "text", "text": "VERAO20"}, map[string]any{"type": "text", "text": "20%"}}}}, comps...)
		return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": ana, "type": "template",
			"template": map[string]any{"name": "coupon_code", "language": map[string]any{"code": "pt_BR"}, "components": comps}}
	}
	payload := map[string]any{"type": "button", "sub_type": "quick_reply", "index": "1",
		"parameters": []any{map[string]any{"type": "payload", "payload": "NOT_RECEIVED"}}}

	refused := []struct {
		name    string
		body    map[string]any
		code    int
		details string
	}{
		{"no header", photo(body), 132012, "header: Format mismatch, expected IMAGE, received UNKNOWN"},
		{"a video header", photo(header("video", map[string]any{"link": "https://example.com/a.mp4"}), body), 132012,
			"header: Format mismatch, expected IMAGE, received VIDEO"},
		{"a text header", photo(map[string]any{"type": "header", "parameters": []any{map[string]any{"type": "text", "text": "x"}}}, body),
			132012, "received TEXT"},
		{"an image without link or id", photo(header("image", map[string]any{}), body), 131008, "header: the image parameter must contain either id or link."},
		{"two header parameters", photo(map[string]any{"type": "header", "parameters": []any{
			map[string]any{"type": "image", "image": map[string]any{"id": "1"}}, map[string]any{"type": "image", "image": map[string]any{"id": "2"}}}}, body),
			132000, "header: number of localizable_params (2) does not match the expected number of params (1)"},
		{"no body", photo(image), 132000, "body: number of localizable_params (0)"},
		{"a quick reply with a url parameter", photo(image, body, map[string]any{"type": "button", "sub_type": "url", "index": "0",
			"parameters": []any{map[string]any{"type": "text", "text": "x"}}}), 131009, "sub_type must be quick_reply"},
		{"a button the template lacks", photo(image, body, map[string]any{"type": "button", "sub_type": "quick_reply", "index": "2",
			"parameters": []any{map[string]any{"type": "payload", "payload": "x"}}}), 131009, "no button at index 2"},
		{"no coupon code", coupon(), 131008, "Button at index 0 of type CopyCode requires a parameter"},
		{"an empty coupon code", coupon(copyCode(" ")), 131008, "the coupon_code of button at index 0 is required"},
		{"a coupon code too long", coupon(copyCode("ABCDEFGHIJKLMNOP")), 131009, "Max length: 15"},
		{"a coupon code as text", coupon(map[string]any{"type": "button", "sub_type": "copy_code", "index": "0",
			"parameters": []any{map[string]any{"type": "text", "text": "VERAO20"}}}), 131009, `must be of type coupon_code, not "text"`},
	}
	for _, c := range refused {
		resp, out := e.send(t, loja, c.body)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, c.name)
		f := graphErr(t, resp, out)
		require.Equal(t, c.code, f.code, c.name)
		require.Contains(t, f.details, c.details, c.name)
	}
	require.Empty(t, e.sb.Sent(), "nothing refused was sent")
	resp, out := e.send(t, loja, photo(body))
	f := graphErr(t, resp, out)
	require.Equal(t, "(#132012) Parameter format does not match format in the created template", f.message)

	resp, out = e.send(t, loja, photo(image, body, payload))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = e.send(t, loja, coupon(copyCode("VERAO20"), map[string]any{"type": "button", "sub_type": "quick_reply", "index": 1,
		"parameters": []any{map[string]any{"type": "payload", "payload": "STOP"}}}))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	sent := e.sb.Sent()
	require.Len(t, sent, 2)
	require.Equal(t, "order_shipped_photo", sent[0].TemplateName)
	require.Equal(t, "Olá Ana, seu pedido #1234 foi enviado! Esta é a foto do pacote.", sent[0].Text)
	require.Equal(t, "Use o código VERAO20 e ganhe 20% de desconto na próxima compra.", sent[1].Text)
	require.Equal(t, []Choice{{Kind: ChoiceQuickReply, ID: "Recebi", Title: "Recebi"}, {Kind: ChoiceQuickReply, ID: "NOT_RECEIVED", Title: "Não recebi"}},
		e.sb.Choices(sent[0]), "the photo's quick replies, the second with the payload the send gave it")
	require.Equal(t, []Choice{{Kind: ChoiceQuickReply, ID: "STOP", Title: "Parar promoções"}}, e.sb.Choices(sent[1]),
		"the copy-code button is no answer")
}
