package flow

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
)

// OnInbound is the messaging hook for every new inbound message (F8, F9).
// It runs inside the intake's processing transaction, so the runs it
// starts or resumes, and the messages they queue, commit with the message
// itself: a processing retry redoes everything or nothing. It reads the
// flows from the cache (no flows query per message) and does one indexed
// lookup for runs waiting for this conversation's reply, only when a
// stored flow has wait_for_reply.
func (s *Service) OnInbound(ctx context.Context, tx store.Tx, ev messaging.InboundEvent) error {
	snap, err := s.cache.get(ctx, tx, s.Now())
	if err != nil {
		return err
	}
	received := snap.byTrigger[TriggerMessageReceived]
	var started []*Compiled
	if ev.NewConversation {
		started = snap.byTrigger[TriggerConversationStarted]
	}
	if !snap.replyWaits && len(received) == 0 && len(started) == 0 {
		return nil
	}
	// A conversation this message just opened has no bot pause (the row
	// goes with its conversation) and no run waiting for its reply (a run
	// waits in a conversation it has written to): two lookups saved on
	// every first message.
	if s.BotPaused != nil && !ev.NewConversation {
		// A paused bot is paused for flows too: the message starts no run
		// and ends the runs waiting for it.
		paused, why, err := s.BotPaused(ctx, tx, ev.ConversationID)
		if err != nil {
			return err
		}
		if paused {
			return s.OnBotPaused(ctx, tx, ev.ConversationID, why)
		}
	}
	if snap.replyWaits && !ev.NewConversation {
		if err := s.resumeReplies(ctx, tx, ev); err != nil {
			return err
		}
	}
	if len(received) == 0 && len(started) == 0 {
		return nil
	}
	senderID := strconv.FormatInt(ev.Sender.ID, 10)
	contact := map[string]any{"id": ev.ContactID, "phone": ev.ContactPhone, "name": ev.ContactName}
	for _, c := range received {
		if !c.Matches(senderID, ev.Sender.PhoneNumberID, ev.Message.Summary) {
			continue
		}
		st := NewState(0, messageTrigger(ev), contact, ev.ConversationID, senderID, s.Now())
		if _, err := s.start(ctx, tx, c, st, false); err != nil {
			return err
		}
	}
	for _, c := range started {
		if !c.Matches(senderID, ev.Sender.PhoneNumberID, "") {
			continue
		}
		st := NewState(0, conversationTrigger(ev), contact, ev.ConversationID, senderID, s.Now())
		if _, err := s.start(ctx, tx, c, st, false); err != nil {
			return err
		}
	}
	return nil
}

// messageTrigger is F8's trigger data.
func messageTrigger(ev messaging.InboundEvent) map[string]any {
	return map[string]any{
		"customer_phone": ev.ContactPhone, "customer_name": ev.ContactName, "message": ev.Message.Summary,
		"message_type": ev.Message.Type, "message_id": ev.Message.WAMID, "sender_id": ev.Sender.ID,
		"sender_phone": ev.Sender.DisplayPhoneNumber, "timestamp": ev.Message.OccurredAt.UTC().Format(time.RFC3339),
		"conversation_id": ev.ConversationID,
		"contact":         map[string]any{"id": ev.ContactID, "phone": ev.ContactPhone, "name": ev.ContactName},
	}
}

// conversationTrigger is F9's trigger data.
func conversationTrigger(ev messaging.InboundEvent) map[string]any {
	return map[string]any{
		"customer_phone": ev.ContactPhone, "customer_name": ev.ContactName, "first_message": ev.Message.Summary,
		"conversation_id": ev.ConversationID,
		"sender":          map[string]any{"id": ev.Sender.ID, "number": ev.Sender.DisplayPhoneNumber, "name": ev.Sender.VerifiedName},
		"timestamp":       ev.Message.OccurredAt.UTC().Format(time.RFC3339),
	}
}

// replyRunsQuery finds the runs waiting for a reply in a conversation.
// "<> 0" lets SQLite and PostgreSQL's generic plan use the partial index
// flow_runs_reply; without it they scan every run, for every message.
const replyRunsQuery = `SELECT id FROM flow_runs WHERE reply_conversation_id = ? AND reply_conversation_id <> 0`

// resumeReplies hands the message to runs waiting for a reply in its
// conversation.
func (s *Service) resumeReplies(ctx context.Context, tx store.Tx, ev messaging.InboundEvent) error {
	ids, err := store.QueryIDs(ctx, tx, replyRunsQuery, ev.ConversationID)
	if err != nil {
		return err
	}
	out := map[string]any{"text": ev.Message.Summary, "type": ev.Message.Type, "message_id": ev.Message.WAMID,
		"received_at": ev.Message.OccurredAt.UTC().Format(time.RFC3339)}
	for _, id := range ids {
		out["reply"] = replyOf(ev.Message) // reply.go; a map of its own for each run
		if _, _, err := s.apply(ctx, tx, id, Input{Kind: InputReply, Now: s.Now(), Output: copyMap(out)}); err != nil {
			return err
		}
	}
	return nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// BeforeSendOutcomes is the outbox's batch hook: it locks the runs whose
// sends the batch reports, in one statement, for OnSendOutcome.
func (s *Service) BeforeSendOutcomes(ctx context.Context, tx store.Tx, outs []messaging.SendOutcome) error {
	var ids []int64
	for _, o := range outs {
		if id, _, ok := parseSource(o.Source); ok {
			ids = append(ids, id)
		}
	}
	return lockRuns(ctx, tx, s.DB.Dialect(), ids)
}

// OnSendOutcome is the outbox hook for a message's final outcome. For a
// message a flow sent it completes (or fails) the step, in the
// transaction that records the outcome.
func (s *Service) OnSendOutcome(ctx context.Context, tx store.Tx, o messaging.SendOutcome) error {
	runID, key, ok := parseSource(o.Source)
	if !ok {
		return nil
	}
	in := Input{Kind: InputResult, Now: s.Now(), Key: key}
	if o.Status == messaging.StatusSent {
		in.Output = map[string]any{"message_id": o.MessageID, "status": o.Status, "wamid": o.WAMID}
	} else {
		se := StepError{Code: "send_failed", Message: "the message could not be sent"}
		if o.Err != nil {
			se = StepError{Code: o.Err.Code, Message: o.Err.Message, Retryable: o.Err.Retry()}
		}
		in.Err = &se
	}
	_, _, err := s.apply(ctx, tx, runID, in)
	return err
}

// EventResult answers an external event.
type EventResult struct {
	RunIDs    []int64 `json:"run_ids"`
	Duplicate bool    `json:"duplicate"`
}

// MaxEventData bounds an event's data.
const MaxEventData = 64 << 10

// Event starts every enabled flow subscribed to the event type (F10). A
// repeated idempotency key starts nothing and answers with the first
// event's runs; the key's row commits with those runs.
func (s *Service) Event(ctx context.Context, typ string, data map[string]any, key string) (EventResult, error) {
	typ = strings.TrimSpace(typ)
	if typ == "" || len(typ) > 100 {
		return EventResult{}, apperr.Invalid("type", "invalid_request", "type names the event, e.g. call.completed (at most 100 characters)")
	}
	if len(key) > 200 {
		return EventResult{}, apperr.Invalid("idempotency_key", "invalid_request", "idempotency_key is at most 200 characters")
	}
	if data == nil {
		data = map[string]any{}
	}
	// Grouped with concurrent requests' writes: one commit (one disk flush
	// on SQLite) for many events. EventTx is database work only (its
	// metrics and wake-ups wait for the commit), so a rerun after another
	// request's failure is harmless; a repeated key later in the same
	// group sees the first's row and answers as a duplicate.
	var res EventResult
	err := store.GroupDo(ctx, s.Writes, s.DB, func(ctx context.Context, tx store.Tx) (err error) {
		res, err = s.EventTx(ctx, tx, typ, data, key)
		return err
	})
	return res, err
}

// EventTx is Event inside the caller's transaction: the key, the runs and
// their effects commit with it, or none of them do.
func (s *Service) EventTx(ctx context.Context, tx store.Tx, typ string, data map[string]any, key string) (EventResult, error) {
	res := EventResult{RunIDs: []int64{}}
	now := s.Now()
	var eventID int64
	if key != "" {
		err := tx.QueryRow(ctx, `INSERT INTO flow_events (type, idempotency_key, received_at) VALUES (?, ?, ?)
			ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`, typ, key, store.Millis(now)).Scan(&eventID)
		if errors.Is(err, store.ErrNotFound) {
			var ids string
			if err := tx.QueryRow(ctx, `SELECT run_ids FROM flow_events WHERE idempotency_key = ?`, key).Scan(&ids); err != nil {
				return res, err
			}
			res.Duplicate = true
			return res, json.Unmarshal([]byte(ids), &res.RunIDs)
		}
		if err != nil {
			return res, err
		}
	}
	snap, err := s.cache.get(ctx, tx, now)
	if err != nil {
		return res, err
	}
	contact := map[string]any{}
	if p, ok := data["customer_phone"].(string); ok {
		contact["phone"] = p
	}
	if n, ok := data["customer_name"].(string); ok {
		contact["name"] = n
	}
	for _, c := range snap.byTrigger["event:"+typ] {
		id, err := s.start(ctx, tx, c, NewState(0, data, copyMap(contact), 0, "", now), false)
		if err != nil {
			return res, err
		}
		res.RunIDs = append(res.RunIDs, id)
	}
	if eventID != 0 {
		ids, _ := json.Marshal(res.RunIDs)
		_, err = tx.Exec(ctx, `UPDATE flow_events SET run_ids = ? WHERE id = ?`, string(ids), eventID)
	}
	return res, err
}

// TestRunRequest is F17's test run: the flow's current version, run once
// whether enabled or not, with every message going to To.
type TestRunRequest struct {
	To      string         `json:"to"`
	Trigger map[string]any `json:"trigger"`
	// Sender is the default sender for steps without one (WhatsApp-
	// triggered flows use the trigger's sender).
	Sender string `json:"sender"`
}

// TestRun starts a test run and returns its id.
func (s *Service) TestRun(ctx context.Context, flowID int64, req TestRunRequest) (int64, error) {
	if strings.TrimSpace(req.To) == "" {
		return 0, apperr.Invalid("to", "invalid_request", "to is the one recipient of the test run, e.g. +5511999990000")
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx store.Tx) error {
		var version int
		if err := tx.QueryRow(ctx, `SELECT version FROM flows WHERE id = ? AND archived_at = 0`, flowID).Scan(&version); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return notLive(ctx, tx, flowID)
			}
			return err
		}
		c, err := s.cache.compiled(ctx, tx, flowID, version)
		if err != nil {
			return err
		}
		contact := map[string]any{"phone": req.To}
		if n, ok := req.Trigger["customer_name"].(string); ok {
			contact["name"] = n
		}
		st := NewState(0, req.Trigger, contact, 0, req.Sender, s.Now())
		st.TestRecipient = req.To
		id, err = s.start(ctx, tx, c, st, true)
		return err
	})
	return id, err
}

// Cancel cancels a run; a finished run answers run_finished.
func (s *Service) Cancel(ctx context.Context, id int64) (Run, error) {
	err := s.DB.InTx(ctx, func(tx store.Tx) error {
		st, changed, err := s.apply(ctx, tx, id, Input{Kind: InputCancel, Now: s.Now()})
		if err != nil {
			return err
		}
		if !changed {
			if st.RunID == 0 {
				return apperr.NotFound("run")
			}
			return &apperr.Error{Kind: apperr.KindConflict, Code: "run_finished", Message: "the run has already ended (" + st.Status + ")"}
		}
		return nil
	})
	if err != nil {
		return Run{}, err
	}
	return s.GetRun(ctx, id)
}
