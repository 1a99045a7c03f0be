package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchBodies are the webhook shapes intake sees most, compacted the way
// Meta sends them: one text message, one status, and a 50-message batch.
func benchBodies(tb testing.TB) []struct {
	name string
	body []byte
} {
	tb.Helper()
	compact := func(b []byte) []byte {
		var out bytes.Buffer
		if err := json.Compact(&out, b); err != nil {
			tb.Fatal(err)
		}
		return out.Bytes()
	}
	return []struct {
		name string
		body []byte
	}{
		{"text", compact(readFixture(tb, "text.json"))},
		{"status", compact(readFixture(tb, "status_delivered.json"))},
		{"batch50", batchBody(50)},
	}
}

// batchBody is one "messages" change carrying n text messages from n
// senders, each with its contact profile.
func batchBody(n int) []byte {
	var contacts, messages []string
	for i := range n {
		waid := fmt.Sprintf("55119%08d", i)
		contacts = append(contacts, fmt.Sprintf(`{"profile":{"name":"Cliente %d"},"wa_id":"%s"}`, i, waid))
		messages = append(messages, fmt.Sprintf(`{"from":"%s","id":"wamid.HBgNNTUxMTk%08dVAgASGBQzQTAxQjJDM0Q0RTVGNkE3QjhDOQA=",`+
			`"timestamp":"%d","text":{"body":"Olá, quero saber o preço do pedido número %d, por favor"},"type":"text"}`,
			waid, i, 1749416383+i, i))
	}
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{` +
		`"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},` +
		`"contacts":[` + strings.Join(contacts, ",") + `],"messages":[` + strings.Join(messages, ",") + `]},"field":"messages"}]}]}`)
}

func BenchmarkParseWebhook(b *testing.B) {
	for _, bb := range benchBodies(b) {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				if _, err := ParseWebhook(bb.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
