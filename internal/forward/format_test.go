package forward_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// TestPOSTSendsSignedJSON forwards a text and an image as POST: the JSON
// body carries the sender's number, name, text, timestamp, message,
// conversation and delivery ids, the image's metadata with a link to
// fetch it through zapflow; the signature verifies over the body.
func TestPOSTSendsSignedJSON(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		rc := newReceiver(t, always(http.StatusNoContent))
		secret := e.enable(t, "post", rc.URL+"/crm?token=abc")
		e.inbound(t, "wamid.A1", "5511987654321", "Maria", "Olá, quero um orçamento")
		e.inboundMsg(t, &whatsapp.InboundMessage{ID: "wamid.A2", From: "5511987654321", ProfileName: "Maria", Timestamp: t0,
			Type: "image", Image: &whatsapp.Media{ID: "media-77", MimeType: "image/jpeg", SHA256: "c2hh", Caption: "a foto"}})
		eventually(t, waitLimit, func() bool { return len(rc.requests()) == 2 }, "two requests")

		reqs := rc.requests()
		for _, r := range reqs {
			require.Equal(t, http.MethodPost, r.Method)
			require.Equal(t, "token=abc", r.RawQuery, "the endpoint's own query is kept")
			require.Equal(t, forward.Sign(secret, r.Timestamp, r.Body), r.Signature)
			require.Equal(t, "1761825600", r.Timestamp, "the injected clock's unix seconds")
		}
		p := payload(t, reqs[0])
		require.Equal(t, forward.Event, p.Event)
		require.Equal(t, reqs[0].Delivery, p.DeliveryID)
		require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, p.DeliveryID)
		require.Equal(t, "wamid.A1", p.MessageID)
		require.NotZero(t, p.ZapflowMessageID)
		require.NotZero(t, p.ConversationID)
		require.Equal(t, "5511987654321", p.Sender)
		require.Equal(t, "+5511987654321", p.Phone)
		require.Equal(t, "Maria", p.Name)
		require.Equal(t, "text", p.Type)
		require.Equal(t, "Olá, quero um orçamento", p.Text)
		require.Equal(t, t0.Add(-time.Second).Format(time.RFC3339), p.Timestamp)
		require.Equal(t, e.sender.PhoneNumberID, p.To.PhoneNumberID)
		require.Nil(t, p.Media)

		img := payload(t, reqs[1])
		require.Equal(t, "image", img.Type)
		require.Equal(t, "a foto", img.Text)
		require.Equal(t, p.ConversationID, img.ConversationID)
		require.NotNil(t, img.Media)
		require.Equal(t, "media-77", img.Media.ID)
		require.Equal(t, "image/jpeg", img.Media.MimeType)
		require.Equal(t, "https://zapflow.example/api/v1/messages/"+itoa(img.ZapflowMessageID)+"/media", img.Media.URL)
		var content map[string]any
		require.NoError(t, json.Unmarshal(img.Content, &content))
		require.Equal(t, "media-77", content["id"])
	})
}

// TestGETSendsSignedQuery forwards as GET: the fields are query
// parameters after the endpoint's own, and the signature covers the raw
// query string.
func TestGETSendsSignedQuery(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		rc := newReceiver(t, always(http.StatusOK))
		secret := e.enable(t, forward.MethodGET, rc.URL+"/crm?token=abc")
		e.inbound(t, "wamid.G1", "5511987654321", "João", "Oi & tchau?")
		eventually(t, waitLimit, func() bool { return len(rc.requests()) == 1 }, "one request")

		r := rc.requests()[0]
		require.Equal(t, http.MethodGet, r.Method)
		require.Empty(t, r.Body)
		require.Equal(t, forward.Sign(secret, r.Timestamp, []byte(r.RawQuery)), r.Signature)
		q, err := url.ParseQuery(r.RawQuery)
		require.NoError(t, err)
		require.Equal(t, "abc", q.Get("token"))
		require.Equal(t, "wamid.G1", q.Get("message_id"))
		require.Equal(t, "5511987654321", q.Get("sender"))
		require.Equal(t, "+5511987654321", q.Get("phone"))
		require.Equal(t, "João", q.Get("name"))
		require.Equal(t, "text", q.Get("type"))
		require.Equal(t, "Oi & tchau?", q.Get("text"))
		require.Equal(t, "", q.Get("media_id"))
		require.Equal(t, t0.Add(-time.Second).Format(time.RFC3339), q.Get("timestamp"))
		require.Equal(t, r.Delivery, q.Get("delivery_id"))
		require.NotEmpty(t, q.Get("conversation_id"))

		eventually(t, waitLimit, func() bool {
			return e.count(t, `SELECT COUNT(*) FROM forward_deliveries WHERE state = 'delivered'`) == 1
		}, "delivered")
		d, err := e.fwd.Delivery(context.Background(), r.Delivery)
		require.NoError(t, err)
		require.Equal(t, forward.StateDelivered, d.State)
		require.Len(t, d.AttemptLog, 1)
		require.Equal(t, "GET", d.AttemptLog[0].Method)
		require.Equal(t, rc.URL+"/crm", d.AttemptLog[0].URL, "the logged URL leaves the message's query out")
		require.Equal(t, `{"ok":true}`, d.AttemptLog[0].Response)
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
