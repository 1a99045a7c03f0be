package ui

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPreviewFillsMetaSamples renders a template the way Meta lists it:
// positional body samples, a named header sample, a media header, a
// footer and buttons; a placeholder without a sample shows its name.
func TestPreviewFillsMetaSamples(t *testing.T) {
	comps := json.RawMessage(`[
		{"type":"HEADER","format":"TEXT","text":"Olá {{first}}","example":{"header_text_named_params":[{"param_name":"first","example":"Ana"}]}},
		{"type":"BODY","text":"Seu pedido {{1}} chega em {{2}}. Código {{3}}.","example":{"body_text":[["#123","2 dias"]]}},
		{"type":"FOOTER","text":"Loja Centro"},
		{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Falar com atendente"},{"type":"URL","text":"Rastrear","url":"https://x/{{1}}"}]}
	]`)
	p := previewTemplate(comps)
	require.Equal(t, "Olá Ana", p.Header)
	require.Equal(t, "Seu pedido #123 chega em 2 dias. Código [3].", p.Body)
	require.Equal(t, "Loja Centro", p.Footer)
	require.Equal(t, []string{"Falar com atendente", "Rastrear"}, p.Buttons)

	media := previewTemplate(json.RawMessage(`[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Oi {{nome}}","example":{"body_text_named_params":[{"param_name":"nome","example":"Bia"}]}}]`))
	require.Equal(t, "[image]", media.Header)
	require.Equal(t, "Oi Bia", media.Body)
	require.Equal(t, templatePreview{}, previewTemplate(json.RawMessage(`not json`)), "a broken template previews empty, not an error")
}
