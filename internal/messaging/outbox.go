package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// MaxTextLength is the Cloud API's limit for a text body (F6).
const MaxTextLength = 4096

// CloudAPI is the part of the Cloud API client the outbox uses.
type CloudAPI interface {
	SendMessage(ctx context.Context, token, phoneNumberID string, payload any) (whatsapp.SendResult, error)
}

// OutboxOptions configures an Outbox.
type OutboxOptions struct {
	DB       store.DB
	Accounts *account.Service
	Limiter  *ratelimit.Limiter
	// CloudFor returns the client for an account (tests inject one).
	CloudFor func(account.Account) CloudAPI
	Retry    RetryPolicy
	// Lease is how long a claimed message stays claimed (DefaultLease).
	Lease time.Duration
	Now   func() time.Time
	Log   *slog.Logger
	// Metrics counts attempts and booked slots (nil: not counted).
	Metrics *metrics.Metrics
	// Writes group-commits Send's transactions with other requests'
	// (nil: each commits alone).
	Writes *store.Group
}

// Outbox is the one send pipeline every outbound message goes through
// (API, inbox, assistant, flows, bulk): it refuses what WhatsApp would
// refuse with a named error, stores the message due for sending in one
// transaction, and sends at the sender's pace with retries.
type Outbox struct {
	OutboxOptions
	waiters      *waiters
	outcomeHooks []OutcomeHook
	batchHooks   []OutcomesHook
	queuedHooks  []QueuedHook // see OnQueued
	keeper       UploadKeeper // keeps uploaded files for the inbox (KeepUploads); nil: not kept
	jitter       func() float64
	phones       phoneCache
	// sentRecorded runs after a batch that recorded sends commits: it
	// sweeps the statuses that raced those records (pending.go).
	sentRecorded func()

	// leases: sender leases shared with other instances on PostgreSQL
	// (sender_lease.go); nil on SQLite.
	leases *senderLeases
	// slotWait replaces sleeping until a job's slot in tests that run
	// the dispatcher on an injected clock (export_test.go).
	slotWait func(sendJob) bool

	// The dispatcher and committer (dispatch.go, record.go).
	wakeCh   chan struct{}
	results  *resultQueue
	inflight sync.WaitGroup
	// unrecorded counts the outcomes handed to the committer and not
	// recorded yet (dispatch.go, defaultMaxUnrecorded); held says a round
	// left due messages unclaimed because of it.
	unrecorded    atomic.Int64
	maxUnrecorded int
	held          atomic.Bool
	stop          chan struct{} // closed by Stop: claim nothing more
	commitStop    chan struct{} // closed by Stop once the sends in flight are done
	dispatched    chan struct{} // closed when the dispatch loop has returned
	committed     chan struct{} // closed when the commit loop has returned
}

// NewOutbox builds an Outbox.
func NewOutbox(o OutboxOptions) *Outbox {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Retry.Wait == 0 {
		o.Retry = DefaultRetryPolicy
	}
	if o.Lease == 0 {
		o.Lease = DefaultLease
	}
	ob := &Outbox{OutboxOptions: o, waiters: newWaiters(), jitter: jitter, maxUnrecorded: defaultMaxUnrecorded,
		wakeCh: make(chan struct{}, 1), results: newResultQueue()}
	if o.DB != nil && o.DB.Dialect() == store.Postgres {
		ob.leases = newSenderLeases(o.DB)
		ob.leases.takeOver = func(id int64, prevUntil time.Time) {
			if o.Limiter != nil {
				o.Limiter.TakeOver(id, prevUntil)
			}
		}
	}
	return ob
}

// TemplateRef names a template.
type TemplateRef struct {
	Name     string `json:"name"`
	Language string `json:"language"`
}

// SendRequest is one message to send.
type SendRequest struct {
	Type          string       `json:"type"` // template | text | a rich type (send_rich.go)
	SenderID      int64        `json:"-"`
	SenderRef     string       `json:"-"` // phone_number_id, when SenderID is 0
	To            string       `json:"to"`
	RecipientName string       `json:"recipient_name"`
	Template      *TemplateRef `json:"template"`
	Variables     Variables    `json:"variables"`
	Text          string       `json:"text"`
	// Bulk marks marketing sends from flows and campaigns: they stop when
	// the sender's quality drops or it goes offline (F17).
	Bulk bool `json:"bulk"`
	// Source says who asked (api, flow:<id>, assistant…), for history.
	Source string `json:"-"`
	// RichContent carries media, location, contacts, interactive and
	// reaction messages, and ReplyTo for any type (send_rich.go).
	RichContent
}

// Send validates and queues a message: durably, in a transaction shared
// with concurrent requests' writes when Writes is set (one commit, one
// disk flush on SQLite, for many sends). SendTx is database work only
// (the dispatcher's wake-up and the live events wait for the commit), so
// a rerun after another request's failure is harmless.
func (o *Outbox) Send(ctx context.Context, req SendRequest) (Message, error) {
	var m Message
	err := store.GroupDo(ctx, o.Writes, o.DB, func(ctx context.Context, tx store.Tx) (err error) {
		m, err = o.SendTx(ctx, tx, req)
		return err
	})
	return m, err
}

// outboundContactQuery reads a recipient (by wa_id) and its conversation
// with a sender. The conversation is read by subqueries on its unique key,
// not a LEFT JOIN: PostgreSQL caches a statement's generic plan, and one
// made while the tables were nearly empty joined every conversation of the
// sender (bitmap scan on sender_id, join filter on the contact), 1.1 ms
// per send at 20,000 conversations and growing; a subquery on both key
// columns can only be the unique index lookup.
const outboundContactQuery = `SELECT k.id, k.opted_out, k.not_on_whatsapp, k.profile_name <> '',
	COALESCE((SELECT v.id FROM conversations v WHERE v.sender_id = ? AND v.contact_id = k.id), 0),
	COALESCE((SELECT v.window_expires_at FROM conversations v WHERE v.sender_id = ? AND v.contact_id = k.id), 0)
	FROM contacts k WHERE k.wa_id = ?`

// SendTx validates and queues a message inside tx: it is due for sending
// once tx commits (which wakes the dispatcher), and never if it rolls back.
func (o *Outbox) SendTx(ctx context.Context, tx store.Tx, req SendRequest) (Message, error) {
	now := o.Now()
	sender, err := o.resolveSender(ctx, tx, req)
	if err != nil {
		return Message{}, err
	}
	acc, err := o.Accounts.CachedAccountIn(ctx, tx, sender.AccountID)
	if err != nil {
		return Message{}, err
	}
	if !sender.Online {
		return Message{}, sendErr("sender", "sender_offline", "sender offline: "+sender.DisplayPhoneNumber+" is "+sender.Status+"; check the sender's status and connection")
	}
	to, err := o.phones.normalize(req.To, acc.DefaultRegion)
	if err != nil {
		return Message{}, apperr.Invalid("to", "invalid_phone", err.Error())
	}
	waID := phone.WAID(to)
	// The contact and its conversation with this sender, in one read.
	var c outboundContact
	if err := tx.QueryRow(ctx, outboundContactQuery, sender.ID, sender.ID, waID).
		Scan(&c.id, &c.optedOut, &c.notOnWhatsApp, &c.named, &c.conversationID, &c.windowExpires); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Message{}, err
	}
	if c.notOnWhatsApp {
		return Message{}, apperr.Invalid("to", "invalid_phone", "invalid phone number: "+to+" is not on WhatsApp (Meta error 131026)")
	}

	var payload map[string]any
	var typ, summary string
	switch req.Type {
	case "text":
		if strings.TrimSpace(req.Text) == "" {
			return Message{}, apperr.Invalid("text", "invalid_request", "text is required for a text message")
		}
		if n := utf8.RuneCountInString(req.Text); n > MaxTextLength {
			return Message{}, apperr.Invalid("text", "message_too_long",
				"message too long: "+strconv.Itoa(n)+" characters; WhatsApp allows "+strconv.Itoa(MaxTextLength))
		}
		if c.windowExpires <= store.Millis(now) {
			return Message{}, apperr.Invalid("type", "outside_window", "outside the 24-hour window: use a template message")
		}
		typ, summary, payload = "text", req.Text, textPayload(to, req.Text)
	case "template":
		t, sh, err := o.checkTemplate(ctx, tx, sender, req)
		if err != nil {
			return Message{}, err
		}
		if t.Category == "MARKETING" && c.optedOut {
			return Message{}, apperr.Invalid("to", "opted_out", "the contact opted out of marketing messages; send a utility template or ask them to opt in again")
		}
		if req.Bulk && (sender.QualityRating == "RED") {
			return Message{}, sendErr("sender", "sender_paused", "bulk sending from "+sender.DisplayPhoneNumber+" is paused: its quality rating is RED")
		}
		typ, summary, payload = "template", render(sh.bodyText, req.Variables, ""), templatePayload(to, t, sh, req.Variables)
	default:
		if !isRichType(req.Type) {
			return Message{}, apperr.Invalid("type", "invalid_request", `type must be one of template, text, `+strings.Join(richTypes, ", "))
		}
		lookup := func(field string, id int64) (string, error) {
			return conversationWAMID(ctx, tx, c.conversationID, id, field)
		}
		if payload, summary, err = richPayload(to, req.Type, req.RichContent, lookup); err != nil {
			return Message{}, err
		}
		if c.windowExpires <= store.Millis(now) {
			return Message{}, apperr.Invalid("type", "outside_window", "outside the 24-hour window: use a template message")
		}
		typ = req.Type
	}
	if req.ReplyTo != 0 {
		wamid, err := conversationWAMID(ctx, tx, c.conversationID, req.ReplyTo, "reply_to")
		if err != nil {
			return Message{}, err
		}
		payload["context"] = map[string]any{"message_id": wamid}
	}

	if c.id == 0 {
		if c.id, err = writeContact(ctx, tx, waID, to, "", store.Millis(now)); err != nil {
			return Message{}, err
		}
	}
	if req.RecipientName != "" && !c.named { // a name it has is kept: no statement
		if _, err := tx.Exec(ctx, `UPDATE contacts SET profile_name = ? WHERE id = ? AND profile_name = ''`, req.RecipientName, c.id); err != nil {
			return Message{}, err
		}
	}
	convID := c.conversationID
	if convID == 0 {
		if convID, _, err = createConversation(ctx, tx, sender.ID, c.id, store.Millis(now), store.Millis(now), false); err != nil {
			return Message{}, err
		}
	}
	content, err := json.Marshal(payload)
	if err != nil {
		return Message{}, err
	}
	id, err := insertOutbound(ctx, tx, outboundRow{conversationID: convID, senderID: sender.ID, typ: typ, content: content,
		summary: summary, source: req.Source, bulk: req.Bulk, sendAt: store.Millis(now), now: store.Millis(now)})
	if err != nil {
		return Message{}, err
	}
	tx.AfterCommit(o.wake)
	m := Message{ID: id, ConversationID: convID, Direction: Outbound, Type: typ, Content: content, Summary: summary,
		Status: StatusQueued, OccurredAt: store.Time(store.Millis(now)), CreatedAt: store.Time(store.Millis(now))}
	return m, o.runQueuedHooks(ctx, tx, m)
}

// outboundContact is what SendTx knows of the recipient: the 24-hour
// window comes from the stored last inbound time, and a contact we never
// heard from has none.
type outboundContact struct {
	id, conversationID int64
	optedOut           bool
	notOnWhatsApp      bool
	named              bool // has a profile name already
	windowExpires      int64
}

func (o *Outbox) resolveSender(ctx context.Context, tx store.Tx, req SendRequest) (account.Sender, error) {
	var s account.Sender
	var err error
	switch {
	case req.SenderID > 0:
		s, err = account.SenderByID(ctx, tx, req.SenderID)
	case req.SenderRef != "":
		s, err = account.SenderByPhoneNumberID(ctx, tx, req.SenderRef)
	default:
		return s, apperr.Invalid("sender", "invalid_request", "sender is required: a sender id or its phone_number_id")
	}
	if errors.Is(err, store.ErrNotFound) {
		return s, apperr.Invalid("sender", "sender_not_found", "no sender with this id or phone_number_id")
	}
	return s, err
}

// checkTemplate finds an approved template and checks the variables.
func (o *Outbox) checkTemplate(ctx context.Context, tx store.Tx, sender account.Sender, req SendRequest) (account.Template, templateShape, error) {
	if req.Template == nil || req.Template.Name == "" || req.Template.Language == "" {
		return account.Template{}, templateShape{}, apperr.Invalid("template", "invalid_request", "template.name and template.language are required")
	}
	// Read and shaped once per transaction (store.Memo): a flow's or a
	// campaign's batch sends one template again and again.
	type shaped struct {
		t  account.Template
		sh templateShape
	}
	key := strconv.FormatInt(sender.AccountID, 10) + "\x00" + req.Template.Name + "\x00" + req.Template.Language
	got, err := store.Memo(ctx, tx, "templates", key, func() (shaped, error) {
		t, err := account.TemplateByName(ctx, tx, sender.AccountID, req.Template.Name, req.Template.Language)
		if err != nil || t.Status != "APPROVED" {
			return shaped{t: t}, err
		}
		return shaped{t, shapeOf(t)}, nil
	})
	t := got.t
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
			return t, templateShape{}, apperr.Invalid("template", "template_not_found",
				"template not found: "+req.Template.Name+" ("+req.Template.Language+") does not exist for this sender's account; check the template is approved and the name and language are right")
		}
		return t, templateShape{}, err
	}
	if t.Status != "APPROVED" {
		why := map[string]string{"PAUSED": "paused by Meta for low quality", "DISABLED": "disabled by Meta", "REJECTED": "rejected by Meta",
			"PENDING": "still waiting for Meta's approval"}[t.Status]
		if why == "" {
			why = "not approved (status " + t.Status + ")"
		}
		return t, templateShape{}, apperr.Invalid("template", "template_not_found",
			"template not found: "+t.Name+" ("+t.Language+") is "+why+"; only APPROVED templates can be sent")
	}
	return t, got.sh, checkVariables(got.sh, req.Variables)
}

func sendErr(field, code, msg string) *apperr.Error {
	return &apperr.Error{Kind: apperr.KindInvalid, Code: code, Message: msg, Field: field}
}
