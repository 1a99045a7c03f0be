package privacy

import (
	"fmt"
	"strings"
	"time"
)

// fileDescriptions explain each export file to the person who receives it.
var fileDescriptions = map[string]string{
	"contact.json":               "the contact: WhatsApp id (wa_id), phone number, profile name, opt-out and other flags",
	"conversations.json":         "the conversations with each of the business's WhatsApp numbers (sender_id), with the 24-hour window",
	"messages.json":              "every message both ways: direction (in = from the contact), type, content, delivery status and its times, errors; queued messages are sends not made yet",
	"media.json":                 "the media (images, voice notes, documents…) zapflow keeps, one entry per file in media/; media never opened in the inbox stays with WhatsApp and is not included",
	"contact_tags.json":          "the tags the team gave the contact",
	"contact_fields.json":        "the custom fields the team keeps about the contact",
	"opt_out_history.json":       "each change of the contact's marketing opt-out: before, after, why (their keyword, an agent, the API, an import) and when",
	"forwarding_deliveries.json": "each message forwarded to the business's CRM: what was sent and its state",
	"forwarding_attempts.json":   "each attempt to forward a message: HTTP status, latency, the start of the answer",
	"campaign_recipients.json":   "the campaigns that included the contact: the variables used and the send's state",
	"campaign_csv_rows.json":     "rows of uploaded campaign audience lists with the contact's number",
	"message_media.json":         "the files of the media messages (type, size, SHA-256, file name, fetch status); the files themselves stay in zapflow's media store and are removed once no message references them",
	"leads.json":                 "the contact's leads: status, source, assigned agent, notes and custom fields",
	"lead_tags.json":             "the tags on the contact's leads",
	"lead_history.json":          "each change of a lead's status: from, to, who or what changed it, when",
	"notes.json":                 "the team's internal notes about the conversations (never sent to the contact)",
	"bot_states.json":            "whether the automatic assistant is paused in each conversation, why and until when",
	"assignments.json":           "which team member (user id) each conversation was assigned to, and when",
	"notifications.json":         "team notifications about the contact's messages or automations",
	"flow_runs.json":             "automations (flows) run for the contact: trigger data, every step's input, output and errors (state)",
	"flow_events.json":           "external events that started flows for the contact",
	"ai_conversations.json":      "the AI assistant's memory of the contact (one per assistant)",
	"ai_messages.json":           "the messages of that memory",
	"pending_statuses.json":      "delivery statuses received before their message was recorded",
	"jobs.json":                  "scheduled or recent background jobs about the contact (replies, typing indicators, automation steps)",
	"webhook_events.json":        "the raw notifications WhatsApp sent about the contact (messages, statuses), as received",
}

// readme is README.txt of an export.
func readme(contactID int64, now time.Time, counts map[string]int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "zapflow: data held about contact %d, exported %s.\n\n", contactID, now.Format(time.RFC3339))
	b.WriteString("Each .json file is a list of records (contact.json is one object).\n")
	b.WriteString("Times named *_at are UTC (RFC 3339); other times are unix milliseconds.\n")
	b.WriteString("Ids (user_id, sender_id, conversation_id…) refer to records inside zapflow.\n\n")
	b.WriteString("Files:\n")
	for _, t := range Tables {
		if t.File == "" {
			continue
		}
		fmt.Fprintf(&b, "  %-22s %4d  %s\n", t.File, counts[t.File], fileDescriptions[t.File])
	}
	b.WriteString("  media/                       the media files, named after the message id (message_id in messages.json)\n")
	return b.String()
}
