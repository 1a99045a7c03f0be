package ai

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// One bot answers at a time, and a stop stops every bot. The assistant
// learns of flows, and flows of pauses, through the two hooks below, wired
// by the app: the ai package knows nothing of flow runs.

// PauseHook runs inside the transaction that pauses the bot in a
// conversation (a stop keyword or a pause by hand); why says so in words,
// e.g. `the customer asked the bot to stop (stop keyword "SAIR")`.
type PauseHook func(ctx context.Context, tx store.Tx, convID int64, why string) error

// FlowOwner reports whether a flow run is talking with the customer in a
// conversation (it waits for their reply there), read through q.
type FlowOwner func(ctx context.Context, q store.Querier, convID int64) (bool, error)

// OnPause registers a hook run whenever the bot is paused (before serving).
func (s *Service) OnPause(h PauseHook) { s.pauseHooks = append(s.pauseHooks, h) }

// SetFlowOwner tells the assistant where a flow run holds the
// conversation, so it stays quiet there (before serving).
func (s *Service) SetFlowOwner(f FlowOwner) { s.flowOwner = f }

// pause stores a pause and runs the pause hooks in the same transaction.
func (s *Service) pause(ctx context.Context, tx store.Tx, convID int64, until time.Time, reason, by string, now time.Time) error {
	if err := setPause(ctx, tx, convID, until, reason, by, now); err != nil {
		return err
	}
	why := pauseWhy(reason, by)
	for _, h := range s.pauseHooks {
		if err := h(ctx, tx, convID, why); err != nil {
			return err
		}
	}
	return nil
}

// pauseWhy puts a pause in words for the runs it stops.
func pauseWhy(reason, by string) string {
	if by == pausedByCustomer {
		return "the customer asked the bot to stop (" + reason + ")"
	}
	if by == "" {
		return "the bot was paused in this conversation (" + reason + ")"
	}
	return "the bot was paused in this conversation by " + by + " (" + reason + ")"
}

// Paused reports, through q (the processing transaction), whether the bot
// is paused in a conversation now, and why in words.
func (s *Service) Paused(ctx context.Context, q store.Querier, convID int64) (bool, string, error) {
	st, err := botState(ctx, q, convID, s.now())
	if err != nil || !st.Paused {
		return false, "", err
	}
	return true, pauseWhy(st.Reason, st.PausedBy), nil
}

// Ownership is who may answer the customer in a conversation, as far as
// the AI side knows: the bot's pause and a person's handover.
type Ownership struct {
	Bot BotState `json:"bot"`
	// HandoverUntil: a person replied, and the assistant stays quiet until
	// this time (absent when no handover is running).
	HandoverUntil *time.Time `json:"handover_until,omitempty"`
	// AssistantEnabled: the WhatsApp assistant is switched on.
	AssistantEnabled bool `json:"assistant_enabled"`
}

// Ownership reads the bot state and handover of a conversation.
func (s *Service) Ownership(ctx context.Context, convID int64) (Ownership, error) {
	st, err := s.BotState(ctx, convID)
	if err != nil {
		return Ownership{}, err
	}
	as, err := s.assistantSettings(ctx, nil)
	if err != nil {
		return Ownership{}, err
	}
	o := Ownership{Bot: st, AssistantEnabled: as.Enabled && as.AssistantID != 0}
	if as.HandoverMinutes > 0 {
		var last int64
		err := s.db.Read().QueryRow(ctx, `SELECT COALESCE(MAX(occurred_at), 0) FROM messages WHERE conversation_id = ? AND direction = 'out' AND `+humanSourceSQL,
			convID).Scan(&last)
		if err != nil {
			return Ownership{}, err
		}
		if until := store.Time(last).Add(time.Duration(as.HandoverMinutes) * time.Minute); last != 0 && until.After(s.now()) {
			o.HandoverUntil = &until
		}
	}
	return o, nil
}
