package privacy

// Table says how one table's rows belong to a contact, and what export and
// erasure do with them. To cover a new table, add one line here (and, for
// a table that holds nothing about contacts, a line in Unrelated).
type Table struct {
	Name string
	// Key is the column that names a row (erasure deletes by it).
	Key string
	// File is the export's JSON file; "" leaves the rows out of the export
	// (they hold only internal ids) but they are still erased.
	File string
	// One exports the single row as an object instead of a list.
	One bool
	// Linked is an SQL condition true for the contact's rows; each "?" in
	// it is the contact id. "" = rows are found by mentions only.
	Linked string
	// Parent and ParentColumn tie rows to the rows another table matched:
	// ParentColumn holds the parent's Key.
	Parent, ParentColumn string
	// Mentions are free-text columns searched for the contact's number or
	// one of their wamids (see the package doc); a row that mentions them
	// belongs to them.
	Mentions []string
	// WAMIDs makes the mention search read every row whose text holds a
	// wamid (not only those holding the number), for tables whose rows
	// name the contact only through one. Use it only for small tables.
	WAMIDs bool
	// Busy is an SQL condition true for a row still being worked on: an
	// erasure that meets one is refused (409 contact_busy) and retried.
	Busy string
	// JSON columns hold JSON documents, exported as JSON, not as strings.
	JSON []string
	// JSONB: on SQLite the JSON columns are binary JSONB (River's tables),
	// read as text through json().
	JSONB bool
	// Blob is a column exported as a file instead of in the JSON.
	Blob *Blob
}

// Blob names the files of a blob column: Dir/<Name column><extension of
// the Mime column>.
type Blob struct {
	Column, Dir, Name, Mime string
}

// convs is the contact's conversations; msgs their messages.
const (
	convs = `(SELECT id FROM conversations WHERE contact_id = ?)`
	msgs  = `(SELECT id FROM messages WHERE conversation_id IN ` + convs + `)`
)

// Tables lists every table that can hold data about a contact, in the
// order an erasure deletes them (rows that reference others first).
var Tables = []Table{
	{Name: "media_cache", Key: "message_id", File: "media.json", Linked: `message_id IN ` + msgs,
		Blob: &Blob{Column: "data", Dir: "media", Name: "message_id", Mime: "mime_type"}},
	{Name: "message_media", Key: "message_id", File: "message_media.json", Linked: `message_id IN ` + msgs},
	{Name: "pending_statuses", Key: "id", File: "pending_statuses.json",
		Linked:   `wamid IN (SELECT wamid FROM messages WHERE wamid IS NOT NULL AND conversation_id IN ` + convs + `)`,
		Mentions: []string{"wamid"}, WAMIDs: true},
	{Name: "notes", Key: "id", File: "notes.json", Linked: `conversation_id IN ` + convs},
	{Name: "bot_states", Key: "conversation_id", File: "bot_states.json", Linked: `conversation_id IN ` + convs},
	{Name: "assignments", Key: "id", File: "assignments.json", Linked: `conversation_id IN ` + convs},
	{Name: "live_events", Key: "id", Linked: `conversation_id IN ` + convs + ` OR message_id IN ` + msgs},
	{Name: "notifications", Key: "id", File: "notifications.json",
		Linked: `ref IN (SELECT 'message:' || CAST(id AS TEXT) FROM messages WHERE conversation_id IN ` + convs + `)
			OR ref IN (SELECT 'run:' || CAST(id AS TEXT) FROM flow_runs WHERE message_conversation_id IN ` + convs +
			` OR reply_conversation_id IN ` + convs + `)`,
		Mentions: []string{"title", "body"}},
	{Name: "flow_runs", Key: "id", File: "flow_runs.json",
		Linked:   `message_conversation_id IN ` + convs + ` OR reply_conversation_id IN ` + convs,
		Mentions: []string{"state"}, JSON: []string{"state"}},
	{Name: "flow_events", Key: "id", File: "flow_events.json", Mentions: []string{"idempotency_key"}, JSON: []string{"run_ids"}},
	{Name: "ai_messages", Key: "id", File: "ai_messages.json", Parent: "ai_conversations", ParentColumn: "conversation_id"},
	{Name: "ai_conversations", Key: "id", File: "ai_conversations.json",
		Linked:   `customer_id IN (SELECT phone FROM contacts WHERE id = ?) OR customer_id IN (SELECT wa_id FROM contacts WHERE id = ?)`,
		Mentions: []string{"customer_id"}},
	{Name: "river_job", Key: "id", File: "jobs.json", Mentions: []string{"args"}, WAMIDs: true,
		Busy: `state = 'running'`, JSON: []string{"args", "attempted_by", "errors", "metadata", "tags"}, JSONB: true},
	{Name: "inbound_events", Key: "id", File: "webhook_events.json", Mentions: []string{"payload"},
		Busy: `processed_at = 0`, JSON: []string{"payload"}},
	// A queued message the outbox claimed and whose outcome it has not
	// recorded yet is being sent (the claim sets in_doubt_since and
	// updated_at to the same time; recording the outcome moves updated_at
	// on): Meta's answer and statuses would arrive after the erasure. A
	// message waiting for a retry is not busy: it is simply not sent.
	{Name: "messages", Key: "id", File: "messages.json", Linked: `conversation_id IN ` + convs,
		Busy: `status = 'queued' AND in_doubt_since <> 0 AND in_doubt_since = updated_at`, JSON: []string{"content", "context"}},
	{Name: "campaign_recipients", Key: "id", File: "campaign_recipients.json",
		Linked: `contact_id = ? OR phone IN (SELECT phone FROM contacts WHERE id = ?)`, Mentions: []string{"phone"}, JSON: []string{"variables"}},
	{Name: "campaign_csv_rows", Key: "phone", File: "campaign_csv_rows.json",
		Linked: `phone IN (SELECT phone FROM contacts WHERE id = ?)`, Mentions: []string{"phone"}, JSON: []string{"columns"}},
	{Name: "forward_attempts", Key: "id", File: "forwarding_attempts.json", Parent: "forward_deliveries", ParentColumn: "delivery_id"},
	{Name: "forward_deliveries", Key: "id", File: "forwarding_deliveries.json", Linked: `message_id IN ` + msgs + ` OR conversation_id IN ` + convs,
		Mentions: []string{"payload"}, JSON: []string{"payload"}},
	{Name: "lead_tags", Key: "lead_id", File: "lead_tags.json", Parent: "leads", ParentColumn: "lead_id"},
	{Name: "lead_status_history", Key: "id", File: "lead_history.json", Parent: "leads", ParentColumn: "lead_id"},
	{Name: "leads", Key: "id", File: "leads.json", Linked: `contact_id = ?`, JSON: []string{"fields"}},
	{Name: "contact_tags", Key: "contact_id", File: "contact_tags.json", Linked: `contact_id = ?`},
	{Name: "contact_fields", Key: "contact_id", File: "contact_fields.json", Linked: `contact_id = ?`},
	{Name: "contact_opt_out_changes", Key: "id", File: "opt_out_history.json", Linked: `contact_id = ?`},
	{Name: "conversations", Key: "id", File: "conversations.json", Linked: `contact_id = ?`},
	{Name: "contacts", Key: "id", File: "contact.json", One: true, Linked: `id = ?`},
}

// Unrelated lists the tables that hold nothing about a contact, each with
// the reason; with Tables it covers the whole schema (a test checks).
var Unrelated = map[string]string{
	"accounts":           "WhatsApp Business accounts: the business's own",
	"senders":            "the business's phone numbers",
	"templates":          "message templates",
	"users":              "the team",
	"api_keys":           "the team's keys",
	"sessions":           "the team's logins",
	"login_failures":     "the team's logins",
	"settings":           "configuration",
	"media_blobs":        "stored files by hash only; the media sweep removes a file once no message_media row references it",
	"settings_audit":     "who changed which setting",
	"notification_reads": "which team member read which notification",
	"notification_marks": "how far each team member read the notifications",
	"lead_sources":       "the business's list of lead sources",
	"lead_turns":         "whose turn it is in the lead round-robin",
	"cleanup_runs":       "the chat history cleanup's log: when, cutoff and counts",
	"forward_health":     "whether the CRM endpoint keeps failing",
	"campaigns":          "campaign definitions: template, mapping, audience filters",
	"sender_leases":      "which instance sends from which of the business's numbers",
	"flows":              "flow definitions",
	"flow_versions":      "flow definitions",
	"flow_meta":          "flow cache version",
	"assistants":         "assistant definitions",
	"ai_prompts":         "the team's saved prompts",
	"ai_calls":           "model call metrics: purpose, model, tokens, outcome; no customer reference or content",
	"health_checks":      "/healthz's write probe",
	"contact_erasures":   "the anonymous audit of erasures",
	"goose_db_version":   "schema version",
	"river_client":       "job queue bookkeeping",
	"river_client_queue": "job queue bookkeeping",
	"river_leader":       "job queue bookkeeping",
	"river_migration":    "job queue bookkeeping",
	"river_queue":        "job queue bookkeeping",
	"river_notification": "job queue wake-ups (queue names only; SQLite)",
	// SQLite only: full-text indexes over messages and contacts, filled in
	// the background (search_progress marks how far) and kept by triggers
	// on those tables (a deleted row leaves them at once).
	"search_progress":        "how far the full-text indexes reach (two ids)",
	"message_search":         "full-text index of messages",
	"message_search_config":  "full-text index of messages",
	"message_search_data":    "full-text index of messages",
	"message_search_docsize": "full-text index of messages",
	"message_search_idx":     "full-text index of messages",
	"contact_search":         "full-text index of contacts",
	"contact_search_config":  "full-text index of contacts",
	"contact_search_data":    "full-text index of contacts",
	"contact_search_docsize": "full-text index of contacts",
	"contact_search_idx":     "full-text index of contacts",
}
