package ai

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// BotState is whether the bot may answer in a WhatsApp conversation (F19).
// A pause ends by itself at PausedUntil; a pause without PausedUntil lasts
// until someone resumes it.
type BotState struct {
	ConversationID int64     `json:"conversation_id"`
	Paused         bool      `json:"paused"`
	PausedUntil    time.Time `json:"paused_until,omitzero"`
	Reason         string    `json:"reason,omitempty"`
	PausedBy       string    `json:"paused_by,omitempty"`
	PausedAt       time.Time `json:"paused_at,omitzero"`
}

// botState reads the effective state at now: a pause whose end has passed
// reads as not paused (the automatic resume needs no job).
func botState(ctx context.Context, q store.Querier, convID int64, now time.Time) (BotState, error) {
	st := BotState{ConversationID: convID}
	var paused bool
	var until, at int64
	var reason, by string
	err := q.QueryRow(ctx, `SELECT paused, paused_until, reason, paused_by, paused_at FROM bot_states WHERE conversation_id = ?`, convID).
		Scan(&paused, &until, &reason, &by, &at)
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if !paused || (until != 0 && until <= store.Millis(now)) {
		return st, nil
	}
	st.Paused, st.PausedUntil, st.Reason, st.PausedBy, st.PausedAt = true, store.Time(until), reason, by, store.Time(at)
	return st, nil
}

// setPause stores a pause until until (zero: until resumed by hand).
func setPause(ctx context.Context, tx store.Tx, convID int64, until time.Time, reason, by string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO bot_states (conversation_id, paused, paused_until, reason, paused_by, paused_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (conversation_id) DO UPDATE SET paused = excluded.paused, paused_until = excluded.paused_until,
			reason = excluded.reason, paused_by = excluded.paused_by, paused_at = excluded.paused_at, updated_at = excluded.updated_at`,
		convID, true, store.Millis(until), reason, by, store.Millis(now), store.Millis(now))
	return err
}

// BotState returns the bot's state in WhatsApp conversation convID.
func (s *Service) BotState(ctx context.Context, convID int64) (BotState, error) {
	if err := conversationExists(ctx, s.db.Read(), convID); err != nil {
		return BotState{}, err
	}
	return botState(ctx, s.db.Read(), convID, s.now())
}

// PauseBot pauses the bot in a conversation by hand: for hours hours, or
// until resumed when hours is 0. by says who (shown with the state).
func (s *Service) PauseBot(ctx context.Context, convID int64, hours int, reason, by string) (BotState, error) {
	if hours < 0 || hours > 24*365 {
		return BotState{}, apperr.Invalid("hours", "invalid_request", "hours must be from 0 (until resumed by hand) to 8760")
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return BotState{}, apperr.Invalid("reason", "invalid_request", "reason must be at most 500 characters")
	}
	if reason == "" {
		reason = "paused by hand"
	}
	now := s.now()
	var until time.Time
	if hours > 0 {
		until = now.Add(time.Duration(hours) * time.Hour)
	}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		if err := conversationExists(ctx, tx, convID); err != nil {
			return err
		}
		return s.pause(ctx, tx, convID, until, reason, by, now)
	})
	if err != nil {
		return BotState{}, err
	}
	return s.BotState(ctx, convID)
}

// ResumeBot lets the bot answer again in a conversation.
func (s *Service) ResumeBot(ctx context.Context, convID int64) (BotState, error) {
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		if err := conversationExists(ctx, tx, convID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE bot_states SET paused = ?, updated_at = ? WHERE conversation_id = ?`, false, store.Millis(s.now()), convID)
		return err
	})
	if err != nil {
		return BotState{}, err
	}
	return s.BotState(ctx, convID)
}

func conversationExists(ctx context.Context, q store.Querier, convID int64) error {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM conversations WHERE id = ?`, convID).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("conversation")
	}
	return err
}
