package intake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// oneAccount is an Accounts that knows a single account.
type oneAccount struct{ acc account.Account }

func (o oneAccount) CachedAccount(context.Context, int64) (account.Account, error) {
	return o.acc, nil
}

// frontBody is a webhook the size of n messages whose change field we do
// not model, so the request runs the whole front (read, signature, parse,
// answer) and stores nothing: the writer is left out. ParseWebhook decodes
// the value (it comes before the field) and then drops it, so the parse
// share is close to, not equal to, that of a real "messages" change.
func frontBody(n int) []byte {
	var contacts, messages []string
	for i := range n {
		waid := fmt.Sprintf("55119%08d", i)
		contacts = append(contacts, fmt.Sprintf(`{"profile":{"name":"Cliente %d"},"wa_id":"%s"}`, i, waid))
		messages = append(messages, fmt.Sprintf(`{"from":"%s","id":"wamid.HBgNNTUxMTk%08dVAgASGBQzQTAxQjJDM0Q0RTVGNkE3QjhDOQA=",`+
			`"timestamp":"%d","text":{"body":"Olá, quero saber o preço do pedido número %d, por favor"},"type":"text"}`,
			waid, i, 1749416383+i, i))
	}
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{` +
		`"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},` +
		`"contacts":[` + strings.Join(contacts, ",") + `],"messages":[` + strings.Join(messages, ",") + `]},"field":"security"}]}]}`)
}

// BenchmarkReceiveFront measures the per-request cost of the webhook front
// without the database: account lookup, body read, signature check,
// parsing and the answer.
func BenchmarkReceiveFront(b *testing.B) {
	const secret = "bench-app-secret"
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := NewHandler(oneAccount{account.Account{ID: 1, AppSecret: secret}}, nil, metrics.New(),
		slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return at })
	for _, n := range []int{1, 50} {
		body := frontBody(n)
		sig := whatsapp.Sign(secret, body)
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp/1", bytes.NewReader(body))
				r.SetPathValue("account", "1")
				r.Header.Set(whatsapp.SignatureHeader, sig)
				w := httptest.NewRecorder()
				h.Receive(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
