package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Message is one inbound or outbound WhatsApp message (F4).
type Message struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	Direction      string          `json:"direction"` // in | out
	WAMID          string          `json:"wamid,omitempty"`
	Type           string          `json:"type"`
	Content        json.RawMessage `json:"content"`
	Summary        string          `json:"summary"`
	Status         string          `json:"status"`
	ErrorCode      string          `json:"error_code,omitempty"`
	ErrorMessage   string          `json:"error_message,omitempty"`
	ErrorDetail    string          `json:"error_detail,omitempty"`
	// Context is Meta's context object of an inbound message: the wamid it
	// replies to (id, from) and the forwarded flags.
	Context json.RawMessage `json:"context,omitempty"`
	// ReplyToMessageID is our message that Context.id names, when the
	// customer replied to one of ours in this conversation.
	ReplyToMessageID int64     `json:"reply_to_message_id,omitempty"`
	OccurredAt       time.Time `json:"occurred_at"`
	SentAt           time.Time `json:"sent_at,omitzero"`
	DeliveredAt      time.Time `json:"delivered_at,omitzero"`
	ReadAt           time.Time `json:"read_at,omitzero"`
	FailedAt         time.Time `json:"failed_at,omitzero"`
	CreatedAt        time.Time `json:"created_at"`
	// Media says where the fetch of an inbound media message's file
	// stands (see MediaFetcher), or holds the kept file of one we sent
	// from an upload (media_outbound.go); nil for other messages and old
	// ones.
	Media *MediaMeta `json:"media,omitempty"`
}

// Message directions and statuses.
const (
	Inbound  = "in"
	Outbound = "out"

	StatusReceived  = "received"
	StatusQueued    = "queued"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played"
	StatusFailed    = "failed"
)

// statusRank orders outbound statuses so updates only move forward:
// webhooks arrive out of order and twice.
var statusRank = map[string]int{
	StatusQueued: 0, StatusSent: 1, StatusDelivered: 2, StatusRead: 3, StatusPlayed: 4, StatusFailed: 5,
}

// statusRankSQL is statusRank of the stored status, in SQL.
const statusRankSQL = `(CASE status WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3
	WHEN 'played' THEN 4 WHEN 'failed' THEN 5 ELSE 0 END)`

// statusColumn is the timestamp column each status sets.
var statusColumn = map[string]string{
	StatusSent: "sent_at", StatusDelivered: "delivered_at", StatusRead: "read_at", StatusPlayed: "read_at", StatusFailed: "failed_at",
}

const messageColumns = `id, conversation_id, direction, COALESCE(wamid, ''), type, content, summary, status, error_code, error_message,
	error_detail, context, reply_to_message_id, occurred_at, sent_at, delivered_at, read_at, failed_at, created_at`

func scanMessage(row store.Row) (Message, error) {
	var m Message
	var content, msgContext string
	var occurred, sent, delivered, read, failed, created int64
	err := row.Scan(&m.ID, &m.ConversationID, &m.Direction, &m.WAMID, &m.Type, &content, &m.Summary, &m.Status, &m.ErrorCode,
		&m.ErrorMessage, &m.ErrorDetail, &msgContext, &m.ReplyToMessageID, &occurred, &sent, &delivered, &read, &failed, &created)
	m.Content = json.RawMessage(content)
	if msgContext != "" {
		m.Context = json.RawMessage(msgContext)
	}
	m.OccurredAt, m.SentAt, m.DeliveredAt = store.Time(occurred), store.Time(sent), store.Time(delivered)
	m.ReadAt, m.FailedAt, m.CreatedAt = store.Time(read), store.Time(failed), store.Time(created)
	return m, err
}

// Messages returns a conversation's messages in order, the latest limit.
func (s *Service) Messages(ctx context.Context, conversationID int64, limit int) ([]Message, error) {
	return s.queryMessages(ctx, `SELECT * FROM (SELECT `+messageColumns+` FROM messages WHERE conversation_id = ?
		ORDER BY occurred_at DESC, id DESC LIMIT ?) m ORDER BY occurred_at, id`, conversationID, clampLimit(limit))
}

// queryMessages runs a query selecting messageColumns and scans its rows.
func (s *Service) queryMessages(ctx context.Context, q string, args ...any) ([]Message, error) {
	rows, err := s.db.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, attachMedia(ctx, s.db.Read(), out)
}

// Message returns one message.
func (s *Service) Message(ctx context.Context, id int64) (Message, error) {
	m, err := scanMessage(s.db.Read().QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return m, apperr.NotFound("message")
	}
	if err != nil {
		return m, err
	}
	one := []Message{m}
	err = attachMedia(ctx, s.db.Read(), one)
	return one[0], err
}

// StatusUpdate is one delivery status for a wamid.
type StatusUpdate struct {
	// Opaque is the biz_opaque_callback_data Meta echoes: "zf:<message id>"
	// on our sends, which links a status to a message whose wamid we never
	// recorded (the process died right after Meta accepted the send).
	Opaque string
	// PhoneNumberID is the number the status was reported for, and
	// AccountID the account of the WABA that reported it: the status moves
	// only a message of that number. Empty: no check (internal callers).
	PhoneNumberID string
	AccountID     int64
	WAMID         string
	Status        string
	At            int64 // unix ms
	ErrorCode     string
	ErrorMessage  string
	ErrorDetail   string
}

// ofNumber is the condition "the message was exchanged through the number
// ?" on messages, for binding a status to the number that reported it.
const ofNumber = ` AND EXISTS (SELECT 1 FROM conversations c JOIN senders s ON s.id = c.sender_id
	WHERE c.id = messages.conversation_id AND s.phone_number_id = ?)`

// ApplyStatus moves the message with u.WAMID forward to u.Status. When no
// message has that wamid yet (Meta's callback beat our own record of the
// send), the status waits in pending_statuses and RecordSent applies it.
func ApplyStatus(ctx context.Context, tx store.Tx, u StatusUpdate, now int64) (applied bool, err error) {
	res, err := applyStatus(ctx, tx, u, now)
	return res.applied, err
}

// statusResult says what applyStatus did with a status.
type statusResult struct {
	applied bool
	pending bool         // parked in pending_statuses until its send is recorded
	foreign bool         // the wamid or opaque id names another number's message: nothing done
	linked  *SendOutcome // the in-doubt send it linked by biz_opaque_callback_data
	// messageID and conversationID name the message a status applied to.
	messageID, conversationID int64
}

// statusShape is what applyStatus's UPDATE depends on besides its
// arguments: the timestamp column, the error columns of a failure, the
// check of the number the status came through.
type statusShape struct {
	col              string
	failed, ofNumber bool
}

// statusUpdateSQL is applyStatus's statement for every shape, built once
// rather than concatenated for each status webhook (a busy number gets
// three for every message it sends). One statement: the status moves
// only forward (statusRankSQL), and the timestamp column of every status
// seen is kept even when the status itself does not move (delivered
// after read still dates delivery).
var statusUpdateSQL = func() map[statusShape]string {
	m := map[statusShape]string{}
	for _, col := range statusColumn {
		for _, failed := range []bool{false, true} {
			for _, of := range []bool{false, true} {
				q := `UPDATE messages SET status = CASE WHEN ? > ` + statusRankSQL + ` THEN ? ELSE status END,
		` + col + ` = CASE WHEN ` + col + ` = 0 THEN ? ELSE ` + col + ` END, updated_at = ?`
				if failed {
					q += `, error_code = ?, error_message = ?, error_detail = ?`
				}
				q += ` WHERE wamid = ?`
				if of {
					q += ofNumber
				}
				m[statusShape{col, failed, of}] = q + ` RETURNING id, conversation_id`
			}
		}
	}
	return m
}()

func applyStatus(ctx context.Context, tx store.Tx, u StatusUpdate, now int64) (statusResult, error) {
	col, known := statusColumn[u.Status]
	if !known {
		return statusResult{}, nil // e.g. "deleted", "warning": nothing to move
	}
	shape := statusShape{col: col, failed: u.Status == StatusFailed, ofNumber: u.PhoneNumberID != ""}
	args := []any{statusRank[u.Status], u.Status, u.At, now}
	if shape.failed {
		args = append(args, u.ErrorCode, u.ErrorMessage, u.ErrorDetail)
	}
	args = append(args, u.WAMID)
	if shape.ofNumber {
		args = append(args, u.PhoneNumberID)
	}
	var id, conv int64
	err := tx.QueryRow(ctx, statusUpdateSQL[shape], args...).Scan(&id, &conv)
	if err == nil && shape.failed && u.ErrorCode == ErrCodeOptedOut {
		err = optOutRefused(ctx, tx, conv, now)
		return statusResult{applied: err == nil, messageID: id, conversationID: conv}, err
	}
	if err == nil {
		return statusResult{applied: true, messageID: id, conversationID: conv}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return statusResult{}, err
	}
	if u.PhoneNumberID != "" {
		// Missed: a message of another number has this wamid, or none yet.
		var other int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE wamid = ?`, u.WAMID).Scan(&other); err != nil {
			return statusResult{}, err
		}
		if other > 0 {
			return statusResult{foreign: true}, nil
		}
	}
	linked, foreignID, err := linkByOpaque(ctx, tx, u, now)
	if err != nil || linked != nil || foreignID {
		return statusResult{applied: linked != nil, linked: linked, foreign: foreignID}, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO pending_statuses (wamid, status, phone_number_id, account_id, occurred_at, error_code, error_message,
			error_detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (wamid, status, phone_number_id) DO NOTHING`,
		u.WAMID, u.Status, u.PhoneNumberID, u.AccountID, u.At, u.ErrorCode, u.ErrorMessage, u.ErrorDetail, now)
	return statusResult{pending: err == nil}, err
}

// linkByOpaque records the wamid of the message named in u.Opaque when
// that message has none yet (its send was in doubt), then applies u to it.
// foreign reports an opaque id naming another number's message.
func linkByOpaque(ctx context.Context, tx store.Tx, u StatusUpdate, now int64) (out *SendOutcome, foreign bool, err error) {
	idText, ok := strings.CutPrefix(u.Opaque, opaquePrefix)
	if !ok {
		return nil, false, nil
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return nil, false, nil
	}
	if u.PhoneNumberID != "" {
		var mine int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE id = ?`+ofNumber, id, u.PhoneNumberID).Scan(&mine); err != nil {
			return nil, false, err
		}
		if mine == 0 {
			var exists int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE id = ?`, id).Scan(&exists); err != nil {
				return nil, false, err
			}
			return nil, exists > 0, nil
		}
	}
	out = &SendOutcome{MessageID: id, Status: StatusSent, WAMID: u.WAMID}
	err = tx.QueryRow(ctx, `UPDATE messages SET wamid = ?, status = CASE WHEN status IN ('queued', 'failed') THEN 'sent' ELSE status END,
			sent_at = CASE WHEN sent_at = 0 THEN ? ELSE sent_at END, in_doubt_since = 0, send_at = 0, error_code = '', error_message = '',
			error_detail = '', updated_at = ?
		WHERE id = ? AND wamid IS NULL AND direction = 'out' RETURNING source, conversation_id`, u.WAMID, u.At, now, id).Scan(&out.Source, &out.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	_, err = ApplyStatus(ctx, tx, u, now)
	return out, false, err
}

// RecordSent marks an outbound message accepted by Meta with its wamid and
// applies any status that arrived before this record.
func RecordSent(ctx context.Context, tx store.Tx, messageID int64, wamid string, at, now int64) error {
	_, err := recordSent(ctx, tx, messageID, wamid, at, now, true)
	return err
}

// recordSent is RecordSent that tells whether this was the first record
// of the send: Meta's status webhook, which echoes our message id, may
// have linked the wamid first (linkByOpaque), and then the send's outcome
// has already been reported. checkPending false skips the look for
// statuses that arrived first, when the caller knows there are none.
func recordSent(ctx context.Context, tx store.Tx, messageID int64, wamid string, at, now int64, checkPending bool) (bool, error) {
	sent, err := writeSent(ctx, tx, []sentRow{{id: messageID, wamid: wamid, at: at}}, now)
	if err != nil {
		return false, err
	}
	if checkPending {
		_, err = applyPending(ctx, tx, wamid, now)
	}
	return sent.isFirst(messageID, wamid), err
}

// InsertOutbound stores a new outbound message as queued, in tx, but not
// due for sending (send_at 0): for records of sends made elsewhere, and
// tests. The outbox queues its own with SendTx.
func InsertOutbound(ctx context.Context, tx store.Tx, conversationID int64, typ string, content json.RawMessage, summary string, now int64) (int64, error) {
	return insertOutbound(ctx, tx, outboundRow{conversationID: conversationID, typ: typ, content: content, summary: summary, now: now})
}

// outboundRow is a new outbound message.
type outboundRow struct {
	conversationID, senderID int64
	typ, summary, source     string
	content                  json.RawMessage
	bulk                     bool
	sendAt, now              int64 // sendAt 0: not for the send queue
}

func insertOutbound(ctx context.Context, tx store.Tx, r outboundRow) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO messages (conversation_id, sender_id, direction, type, content, summary, status, source, bulk,
			send_at, occurred_at, created_at, updated_at)
		VALUES (?, ?, 'out', ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.conversationID, r.senderID, r.typ, string(r.content), r.summary, r.source, r.bulk, r.sendAt, r.now, r.now, r.now).Scan(&id)
	if err != nil {
		return 0, err
	}
	return id, touchConversation(ctx, tx, r.conversationID, convTouch{lastAt: r.now, updated: r.now})
}
