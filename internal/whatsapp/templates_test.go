package whatsapp

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTemplatePlaceholders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		format     string
		components string
		want       []string
	}{
		{"positional in order", "POSITIONAL",
			`[{"type":"HEADER","format":"TEXT","text":"Act fast, {{1}}!"},
			  {"type":"BODY","text":"Your coupon {{1}} expires in {{2}} days!"},
			  {"type":"FOOTER","text":"Lucky Shrub"}]`,
			[]string{"1", "2"}},
		{"positional out of order, repeated, ten and more", "",
			`[{"type":"BODY","text":"{{2}} then {{10}} then {{1}} and {{2}} again, {{ 3 }}"}]`,
			[]string{"1", "2", "3", "10"}},
		{"named in order of appearance", "NAMED",
			`[{"type":"BODY","text":"Hi {{first_name}}, table for {{number_of_guests}} at {{time}}; see you {{first_name}}"}]`,
			[]string{"first_name", "number_of_guests", "time"}},
		{"lowercase format and type", "named",
			`[{"type":"body","text":"Hello {{name}}"}]`,
			[]string{"name"}},
		{"names ignored in positional", "POSITIONAL",
			`[{"type":"BODY","text":"{{1}} and {{name}}"}]`,
			[]string{"1"}},
		{"malformed braces", "POSITIONAL",
			`[{"type":"BODY","text":"{{{1}}} {{ }} {{a-b}} {{2"}]`,
			[]string{"1"}},
		{"no body", "POSITIONAL", `[{"type":"HEADER","text":"{{1}}"}]`, nil},
		{"unreadable components", "POSITIONAL", `{"type":"BODY"}`, nil},
		{"no components", "POSITIONAL", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl := Template{ParameterFormat: tt.format, Components: json.RawMessage(tt.components)}
			require.Equal(t, tt.want, tpl.Placeholders())
		})
	}
}
