package intake_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

// TestWebhookKeepsAMessageFromAUsername: a customer who uses a WhatsApp
// username and has not shared their number writes with from_user_id and
// no "from". The webhook is valid, so it is accepted whole (a 400 would
// make Meta send it again for days, and hold back the other messages of
// its batch): the other customer's message is filed as usual, and this
// one's event stays stored with an error saying why it is not in the
// inbox. That error is known before anything is read, so the event is
// stored with it, processed, in the commit that answers the webhook: it
// never waits for a lane, and on SQLite it does not hold back the other
// message, which that commit files. Sent again, both are duplicates.
func TestWebhookKeepsAMessageFromAUsername(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		body := payload(t, entry(0, change{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": "551140000001", "phone_number_id": senderA},
			"contacts": []any{
				map[string]any{"profile": map[string]any{"name": "Bia"}, "wa_id": waid(1)},
				map[string]any{"profile": map[string]any{"name": "Usuária"}, "user_id": "BR.11815799212886844830"},
			},
			"messages": []any{
				map[string]any{"from_user_id": "BR.11815799212886844830", "id": "wamid.USER1", "timestamp": ts, "type": "text",
					"text": map[string]any{"body": "oi, sem número"}},
				map[string]any{"from": waid(1), "id": "wamid.PHONE1", "timestamp": ts, "type": "text",
					"text": map[string]any{"body": "oi, com número"}},
			},
		}}))
		require.Equal(t, postResult{Stored: 2}, postOK(t, env, body))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM inbound_events
			WHERE dedupe_key = 'm:wamid.USER1' AND processed_at > 0 AND attempts = 1 AND last_error LIKE '%without a phone number%'`),
			"stored processed, with its error, as the webhook was answered")
		if env.Dialect == store.SQLite {
			require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = 'wamid.PHONE1'`),
				"the other message filed in the same commit, not left to a lane")
		}
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM inbound_events WHERE processed_at = 0`) == 0 },
			"both events processed")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = 'wamid.PHONE1'`))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages`), "nothing filed for the username")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM contacts`))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM inbound_events
			WHERE dedupe_key = 'm:wamid.USER1' AND last_error LIKE '%WhatsApp username%BR.11815799212886844830%'`))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM inbound_events WHERE last_error <> ''`))

		require.Equal(t, postResult{Duplicates: 2}, postOK(t, env, body))
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM inbound_events`))
	})
}
