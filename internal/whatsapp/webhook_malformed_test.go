package whatsapp

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseWebhookMalformed(t *testing.T) {
	t.Parallel()
	const meta = `"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}`
	wrap := func(value string) string {
		return `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[` +
			`{"field":"security","value":{}},{"field":"messages","value":{` + meta + `,` + value + `}}]}]}`
	}
	okMsg := `{"from":"1","id":"wamid.a","timestamp":"1749416383","type":"text","text":{"body":"hi"}}`
	tests := []struct {
		name string
		body string
		want string // the full error message
	}{
		{"not JSON", `{"object":"whatsapp_business_account",`,
			`malformed webhook payload: body: not valid JSON`},
		{"empty body", ``, `malformed webhook payload: body: not valid JSON`},
		{"top level array", `[]`, `malformed webhook payload: body: want an object, got array`},
		{"wrong object", `{"object":"page","entry":[]}`,
			`malformed webhook payload: object: got "page", want "whatsapp_business_account"`},
		{"object not a string", `{"object":7,"entry":[]}`,
			`malformed webhook payload: object: want a string, got number`},
		{"missing object", `{"entry":[]}`, `malformed webhook payload: body: missing "object"`},
		{"missing entry", `{"object":"whatsapp_business_account"}`,
			`malformed webhook payload: body: missing "entry"`},
		{"entry not an array", `{"object":"whatsapp_business_account","entry":{"id":"1"}}`,
			`malformed webhook payload: entry: want an array, got object`},
		{"entry empty", `{"object":"whatsapp_business_account","entry":[]}`,
			`malformed webhook payload: entry: empty array`},
		{"entry without id", `{"object":"whatsapp_business_account","entry":[{"changes":[]}]}`,
			`malformed webhook payload: entry[0]: missing "id"`},
		{"entry with bad time", `{"object":"whatsapp_business_account","entry":[{"id":"1","time":"soon","changes":[]}]}`,
			`malformed webhook payload: entry[0]: "time": want unix seconds, got "soon"`},
		{"changes not an array", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":"x"}]}`,
			`malformed webhook payload: entry[0].changes: want an array, got string`},
		{"change without field", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{}}]}]}`,
			`malformed webhook payload: entry[0].changes[0]: missing "field"`},
		{"messages change without value", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}`,
			`malformed webhook payload: entry[0].changes[0]: missing "value"`},
		{"message missing id", wrap(`"messages":[` + okMsg + `,{"from":"1","timestamp":"1749416383","type":"text"}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[1]: missing "id"`},
		{"message missing from", wrap(`"messages":[{"id":"wamid.b","timestamp":"1749416383","type":"text"}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[0]: missing "from"`},
		{"message missing timestamp", wrap(`"messages":[{"id":"wamid.b","from":"1","type":"text"}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[0]: missing "timestamp"`},
		{"non-numeric timestamp", wrap(`"messages":[{"id":"wamid.b","from":"1","timestamp":"yesterday","type":"text"}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[0]: "timestamp": want unix seconds, got "yesterday"`},
		{"fractional timestamp", wrap(`"messages":[{"id":"wamid.b","from":"1","timestamp":1749416383.5,"type":"text"}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[0]: "timestamp": want a string or an unsigned integer, got "1749416383.5"`},
		{"zero timestamp", wrap(`"messages":[{"id":"wamid.b","from":"1","timestamp":"0","type":"text"}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[0]: "timestamp": unix time is zero`},
		{"timestamp past year 9999", wrap(`"messages":[{"id":"wamid.b","from":"1","timestamp":"999999999999999","type":"text"}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[0]: "timestamp": unix time "999999999999999" out of range`},
		{"text body not a string", wrap(`"messages":[{"id":"wamid.b","from":"1","timestamp":"1749416383","type":"text","text":{"body":5}}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[0]: "text.body": want a string, got number`},
		{"messages not an array", wrap(`"messages":{"id":"wamid.b"}`),
			`malformed webhook payload: entry[0].changes[1].value: "messages": want an array, got object`},
		{"bad error code", wrap(`"messages":[{"id":"wamid.b","from":"1","timestamp":"1749416383","type":"unsupported","errors":[{"code":"x"}]}]`),
			`malformed webhook payload: entry[0].changes[1].value.messages[0].errors[0]: "code": want an integer, got "x"`},
		{"status missing status", wrap(`"statuses":[{"id":"wamid.c","timestamp":"1750030073","recipient_id":"1"}]`),
			`malformed webhook payload: entry[0].changes[1].value.statuses[0]: missing "status"`},
		{"status missing id", wrap(`"statuses":[{"status":"sent","timestamp":"1750030073","recipient_id":"1"}]`),
			`malformed webhook payload: entry[0].changes[1].value.statuses[0]: missing "id"`},
		{"message without phone number id",
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[` + okMsg + `]}}]}]}`,
			`malformed webhook payload: entry[0].changes[0].value: missing "metadata.phone_number_id"`},
		{"template without id",
			`{"object":"whatsapp_business_account","entry":[{"id":"1","time":1751247548,"changes":[{"field":"message_template_status_update","value":{"event":"APPROVED"}}]}]}`,
			`malformed webhook payload: entry[0].changes[0].value: missing "message_template_id"`},
		{"template id not an integer",
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":1.5}}]}]}`,
			`malformed webhook payload: entry[0].changes[0].value: "message_template_id": want a string or an unsigned integer, got "1.5"`},
		{"quality without event",
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"phone_number_quality_update","value":{"display_phone_number":"1"}}]}]}`,
			`malformed webhook payload: entry[0].changes[0].value: missing "event"`},
		{"user preference without wa_id",
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"user_preferences","value":{"metadata":{"phone_number_id":"2"},` +
				`"user_preferences":[{"category":"marketing_messages","value":"stop","timestamp":1750030500}]}}]}]}`,
			`malformed webhook payload: entry[0].changes[0].value.user_preferences[0]: missing "wa_id"`},
		{"user preference without phone number id",
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"user_preferences","value":{` +
				`"user_preferences":[{"wa_id":"1","category":"marketing_messages","value":"stop"}]}}]}]}`,
			`malformed webhook payload: entry[0].changes[0].value: missing "metadata.phone_number_id"`},
		{"template category without new_category",
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"template_category_update","value":{"message_template_id":7,"previous_category":"UTILITY"}}]}]}`,
			`malformed webhook payload: entry[0].changes[0].value: missing "new_category"`},
		{"account update without event",
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"phone_number":"1"}}]}]}`,
			`malformed webhook payload: entry[0].changes[0].value: missing "event"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			events, err := ParseWebhook([]byte(tt.body))
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrMalformed), "error %q does not wrap ErrMalformed", err)
			require.Nil(t, events, "a rejected payload must not yield a partial list")
			require.Equal(t, tt.want, err.Error())
		})
	}
}

func TestParseWebhookLenientShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, events []Event)
	}{
		{"only unknown fields", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[` +
			`{"field":"business_capability_update","value":{"max_daily_conversations_per_business":"x"}},` +
			`{"field":"security","value":"anything"}]}]}`,
			func(t *testing.T, events []Event) { require.Empty(t, events) }},
		{"numeric ids and string entry time", `{"object":"whatsapp_business_account","entry":[{"id":102290129340398,"time":"1751247548","changes":[` +
			`{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":"77","reason":null}}]}]}`,
			func(t *testing.T, events []Event) {
				require.Len(t, events, 1)
				require.Equal(t, "102290129340398", events[0].WABAID)
				require.Equal(t, "77", events[0].TemplateStatus.TemplateID)
				require.Equal(t, unix(1751247548), events[0].TemplateStatus.At)
			}},
		{"message without type and old system shape", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
			`"metadata":{"phone_number_id":"9"},"messages":[{"id":"w1","from":"5","timestamp":1749416383},` +
			`{"id":"w2","from":"5","timestamp":"1749416384","type":"system","system":{"body":"changed","new_wa_id":"6","type":"user_changed_number"}}]}}]}]}`,
			func(t *testing.T, events []Event) {
				require.Len(t, events, 2)
				require.Equal(t, "unknown", events[0].Message.Type)
				require.Equal(t, "", events[0].Message.ProfileName)
				require.Equal(t, &System{Body: "changed", WAID: "6", Type: "user_changed_number"}, events[1].Message.System)
				require.Equal(t, 1, events[1].Index)
			}},
		{"error_data as string and code as string", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
			`"errors":[{"code":"131000","title":"Something went wrong","error_data":"try later"}]}}]}]}`,
			func(t *testing.T, events []Event) {
				require.Len(t, events, 1)
				require.Equal(t, []Error{{Code: 131000, Title: "Something went wrong", Details: "try later"}}, events[0].Errors)
				require.Equal(t, "", events[0].PhoneNumberID)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			events, err := ParseWebhook([]byte(tt.body))
			require.NoError(t, err)
			tt.check(t, events)
		})
	}
}
