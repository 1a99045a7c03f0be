package ai

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
)

// The WhatsApp assistant (F25) and the stop bot (F19).
//
// For each inbound message (inside its processing transaction) the hook:
//  1. pauses the bot in that conversation when the text holds a stop
//     keyword (the stop bot's list and the assistant's), for
//     restart_after_hours, or until resumed by hand when that is 0;
//  2. otherwise, when the assistant is enabled and may speak (not paused,
//     no flow run waiting for the customer's reply, no person replied
//     within the handover window), enqueues a typing
//     indicator now and a reply job at now + assistant_message_delay.
//
// The reply job answers only if its message is still the conversation's
// latest inbound one: messages that arrive within the delay each schedule
// a job, and only the last job replies, seeing all of them in the history.
// It checks the pause, the flows and the handover rule again right before
// sending, in the sending transaction, because a person may have stepped
// in, a flow may have answered, or the customer may have said stop during
// the delay.

// Sources that mean a person sent a message: an agent in the inbox
// ("agent", "agent:<id>") or an integration calling POST /api/v1/messages
// ("api"). Flows ("flow:…") and the assistant itself are bots and start
// no handover; a flow that answered a message, or waits for the customer's
// reply, keeps the assistant quiet by the one-bot rule instead (botowner.go).
const humanSourceSQL = `(source = 'api' OR source LIKE 'agent%')`

// SourceAssistant marks the assistant's messages in messages.source.
const SourceAssistant = "assistant"

// Reasons the assistant stays quiet, for logs and tests.
const (
	quietPaused     = "paused"
	quietHandover   = "human_handover"
	quietSuperseded = "superseded"
	quietAnswered   = "answered"
	quietDisabled   = "disabled"
	quietFlow       = "flow" // a flow run waits for the customer's reply, or answered the message
)

// pausedByCustomer marks a pause the customer asked for (a stop keyword).
const pausedByCustomer = "customer"

// keywordTypes are the inbound types whose text is checked for stop
// keywords: typed text and taps on buttons or list rows ("Stop" quick
// replies of marketing templates are the common case).
var keywordTypes = map[string]bool{"text": true, "button": true, "interactive": true}

// InboundHook returns the hook to register with messaging.Service.OnInbound.
func (s *Service) InboundHook() messaging.InboundHook { return s.onInbound }

func (s *Service) onInbound(ctx context.Context, tx store.Tx, ev messaging.InboundEvent) error {
	if !keywordTypes[ev.Message.Type] {
		return nil
	}
	now := s.now()
	stop, err := s.stopBotSettings(ctx, tx)
	if err != nil {
		return err
	}
	as, err := s.assistantSettings(ctx, tx)
	if err != nil {
		return err
	}
	keywords := append(append([]string{}, stop.Keywords...), as.StopKeywords...)
	if k, ok := matchKeyword(ev.Message.Summary, keywords); ok {
		var until time.Time
		if stop.RestartAfterHours > 0 {
			until = now.Add(time.Duration(stop.RestartAfterHours) * time.Hour)
		}
		return s.pause(ctx, tx, ev.ConversationID, until, "stop keyword "+quote(k), pausedByCustomer, now)
	}
	if ev.Message.Type != "text" || !as.Enabled || as.AssistantID == 0 || s.queue == nil {
		return nil
	}
	if why, err := s.quiet(ctx, tx, ev.ConversationID, as, now); err != nil || why != "" {
		return err
	}
	if as.DelaySeconds > 0 && s.typingFor != nil {
		if err := s.queue.InsertTx(ctx, tx, typingArgs{SenderID: ev.Sender.ID, WAMID: ev.Message.WAMID},
			&river.InsertOpts{MaxAttempts: 1}); err != nil {
			return err
		}
	}
	opts := &river.InsertOpts{MaxAttempts: replyAttempts}
	args := replyArgs{ConversationID: ev.ConversationID, MessageID: ev.Message.ID, SenderID: ev.Sender.ID, To: ev.ContactPhone}
	if as.DelaySeconds > 0 {
		due := now.Add(time.Duration(as.DelaySeconds) * time.Second)
		args.DueAt = store.Millis(due)
		// River moves scheduled jobs to available only every few seconds:
		// a typing delay of a few seconds is waited for by the worker
		// instead, so the reply comes when it should.
		if as.DelaySeconds > workerWaitMax {
			opts.ScheduledAt = due
		}
	}
	return s.queue.InsertTx(ctx, tx, args, opts)
}

// quiet says why the assistant must not speak in a conversation now
// ("" when it may): the bot is paused, or a person replied within the
// handover window.
func (s *Service) quiet(ctx context.Context, q store.Querier, convID int64, as AssistantSettings, now time.Time) (string, error) {
	st, err := botState(ctx, q, convID, now)
	if err != nil || st.Paused {
		return quietPaused, err
	}
	if s.flowOwner != nil {
		owned, err := s.flowOwner(ctx, q, convID)
		if err != nil {
			return "", err
		}
		if owned {
			return quietFlow, nil
		}
	}
	if as.HandoverMinutes > 0 {
		var n int
		since := now.Add(-time.Duration(as.HandoverMinutes) * time.Minute)
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'out' AND `+humanSourceSQL+`
				AND occurred_at > ?`, convID, store.Millis(since)).Scan(&n); err != nil {
			return "", err
		}
		if n > 0 {
			return quietHandover, nil
		}
	}
	return "", nil
}
