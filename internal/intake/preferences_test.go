package intake_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// preferencesBody is Meta's user_preferences webhook: customer n set
// their marketing messages to value in WhatsApp.
func preferencesBody(t *testing.T, n int, value string, at int64) []byte {
	return payload(t, entry(0, change{"field": "user_preferences", "value": map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]any{"display_phone_number": "551140000001", "phone_number_id": senderA},
		"contacts":          []any{map[string]any{"profile": map[string]any{"name": "Bia"}, "wa_id": waid(n)}},
		"user_preferences": []any{map[string]any{"wa_id": waid(n), "detail": "User requested to " + value + " marketing messages",
			"category": "marketing_messages", "value": value, "timestamp": at}},
	}}))
}

// TestWebhookAppliesAMarketingPreference: a customer who stops marketing
// messages in WhatsApp is opted out here as soon as Meta's webhook is
// processed, and opted back in when they resume; a redelivery is a
// duplicate.
func TestWebhookAppliesAMarketingPreference(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		optedOut := func() int {
			return env.Count(`SELECT COUNT(*) FROM contacts WHERE wa_id = '` + waid(7) + `' AND opted_out = TRUE`)
		}
		stop := preferencesBody(t, 7, "stop", 1750030500)
		require.Equal(t, postResult{Stored: 1}, postOK(t, env, stop))
		env.Eventually(func() bool { return optedOut() == 1 }, "opted out")
		require.Equal(t, postResult{Duplicates: 1}, postOK(t, env, stop))

		require.Equal(t, postResult{Stored: 1}, postOK(t, env, preferencesBody(t, 7, "resume", 1750030600)))
		env.Eventually(func() bool { return optedOut() == 0 }, "opted back in")
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM contact_opt_out_changes WHERE source = 'whatsapp'`))
		require.Equal(t, 0, env.Count(`SELECT COUNT(*) FROM inbound_events WHERE last_error <> ''`))
	})
}

// TestWebhookKeepsAPreferenceFromAUsername: a preference that names a
// customer by user_id alone (a WhatsApp username without a shared number)
// is accepted and kept with the reason no contact changed, not refused.
func TestWebhookKeepsAPreferenceFromAUsername(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		body := payload(t, entry(0, change{"field": "user_preferences", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": "551140000001", "phone_number_id": senderA},
			"user_preferences": []any{map[string]any{"user_id": "BR.11815799212886844830", "category": "marketing_messages",
				"value": "stop", "timestamp": 1750030500}},
		}}))
		require.Equal(t, postResult{Stored: 1}, postOK(t, env, body))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM inbound_events WHERE dedupe_key = 'p:BR.11815799212886844830:marketing_messages:stop:1750030500'
			AND processed_at > 0 AND last_error LIKE '%WhatsApp username%'`))
		require.Equal(t, 0, env.Count(`SELECT COUNT(*) FROM contacts`))
	})
}

// TestWebhookAppliesATemplateCategoryChange: Meta's move of a template
// to MARKETING is applied to the stored template as the webhook is
// processed (an opted-out contact then no longer gets it).
func TestWebhookAppliesATemplateCategoryChange(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		const id = "1000000000000101" // the sandbox's appointment_confirmation, UTILITY
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM templates WHERE meta_id = '`+id+`' AND category = 'UTILITY'`) == 1
		}, "templates synced")
		body := payload(t, entry(1750031000, change{"field": "template_category_update", "value": map[string]any{
			"message_template_id": 1000000000000101, "message_template_name": "appointment_confirmation",
			"message_template_language": "pt_BR", "previous_category": "UTILITY", "new_category": "MARKETING",
		}}))
		require.Equal(t, postResult{Stored: 1}, postOK(t, env, body))
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM templates WHERE meta_id = '`+id+`' AND category = 'MARKETING'`) == 1
		}, "recategorised")
	})
}
