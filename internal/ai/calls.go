package ai

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// Purposes of model calls, for the call log.
const (
	PurposeReply     = "reply"     // POST /assistants/{id}/replies, generate_ai_reply
	PurposeWhatsApp  = "whatsapp"  // the automatic WhatsApp assistant
	PurposeTransform = "transform" // the agent's helpers
)

// KindAssistantFailing is the team notification sent when an assistant's
// calls keep failing.
const KindAssistantFailing = "ai_assistant_failing"

// OutcomeOK is a call's outcome when the model answered.
const OutcomeOK = "ok"

// Call is one recorded model call.
type Call struct {
	ID               int64     `json:"id"`
	Purpose          string    `json:"purpose"`
	AssistantID      int64     `json:"assistant_id,omitempty"`
	Model            string    `json:"model"`
	LatencyMS        int64     `json:"latency_ms"`
	PromptTokens     int       `json:"prompt_tokens"`
	CompletionTokens int       `json:"completion_tokens"`
	TotalTokens      int       `json:"total_tokens"`
	Outcome          string    `json:"outcome"`
	Error            string    `json:"error,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
}

// call is one model call to make.
type call struct {
	purpose     string
	assistant   *Assistant // nil for helpers
	model       string     // "" = the settings' model
	temperature *float64   // nil = the settings' temperature
	messages    []Message
}

// complete makes a model call with the current settings, records it, and
// keeps the assistant's health (last error, failures in a row) up to date.
func (s *Service) complete(ctx context.Context, c call) (Completion, error) {
	st, err := s.aiSettings(ctx, nil)
	if err != nil {
		return Completion{}, err
	}
	req := Request{Model: c.model, Messages: c.messages, Temperature: st.Temperature}
	if req.Model == "" {
		req.Model = st.Model
	}
	if c.temperature != nil {
		req.Temperature = *c.temperature
	}
	ep, err := s.endpoint(st)
	var out Completion
	// Latency is a measurement, not a decision: it uses the monotonic
	// clock, while the record's timestamp uses the injected one.
	start := time.Now()
	if err == nil {
		out, err = s.model.Complete(ctx, ep, req)
	}
	if err == nil && strings.TrimSpace(out.Text) == "" {
		err = newError(CodeUnavailable, "the model answered with no text", nil)
	}
	latency := time.Since(start)
	if rerr := s.record(context.WithoutCancel(ctx), c, req.Model, latency, out, err); rerr != nil {
		s.log.Error("recording an AI call", "err", rerr)
	}
	return out, err
}

func (s *Service) record(ctx context.Context, c call, model string, latency time.Duration, out Completion, callErr error) error {
	outcome, msg := OutcomeOK, ""
	if callErr != nil {
		outcome, msg = "error", callErr.Error()
		if ae, ok := apperr.As(callErr); ok {
			outcome, msg = ae.Code, ae.Message
		}
	}
	s.metrics.AICall(c.purpose, outcome, latency)
	var assistantID int64
	if c.assistant != nil {
		assistantID = c.assistant.ID
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO ai_calls (purpose, assistant_id, model, latency_ms, prompt_tokens, completion_tokens,
				total_tokens, outcome, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.purpose, assistantID, model, latency.Milliseconds(), out.PromptTokens, out.CompletionTokens, out.TotalTokens,
			outcome, msg, store.Millis(now)); err != nil {
			return err
		}
		if assistantID == 0 {
			return nil
		}
		if callErr == nil {
			_, err := tx.Exec(ctx, `UPDATE assistants SET failures = 0 WHERE id = ? AND failures <> 0`, assistantID)
			return err
		}
		return s.noteFailure(ctx, tx, c.assistant, outcome, msg, now)
	})
}

// noteFailure stores an assistant's last error and notifies the team
// once when its calls have failed threshold times in a row (not again
// until a success resets the count).
func (s *Service) noteFailure(ctx context.Context, tx store.Tx, a *Assistant, code, msg string, now time.Time) error {
	var failures int
	err := tx.QueryRow(ctx, `UPDATE assistants SET failures = failures + 1, last_error_code = ?, last_error = ?, last_error_at = ?
		WHERE id = ? RETURNING failures`, code, msg, store.Millis(now), a.ID).Scan(&failures)
	if err != nil {
		return ignoreNotFound(err) // deleted meanwhile
	}
	if failures != s.threshold {
		return nil
	}
	return notify.Add(ctx, tx, KindAssistantFailing,
		"Assistant \""+a.Name+"\" keeps failing: "+strconv.Itoa(failures)+" replies in a row",
		msg, "assistant:"+strconv.FormatInt(a.ID, 10), now)
}

// noteSendFailure records that a generated reply could not be sent (the
// send pipeline refused it), as the assistant's last error.
func (s *Service) noteSendFailure(ctx context.Context, a *Assistant, err error) {
	code, msg := "send_failed", err.Error()
	if ae, ok := apperr.As(err); ok {
		code, msg = ae.Code, "the reply could not be sent: "+ae.Message
	}
	if txErr := s.db.InTx(ctx, func(tx store.Tx) error { return s.noteFailure(ctx, tx, a, code, msg, s.now()) }); txErr != nil {
		s.log.Error("recording an assistant send failure", "err", txErr)
	}
}

// Calls lists the latest model calls, newest first (assistantID 0: all).
func (s *Service) Calls(ctx context.Context, assistantID int64, limit int) ([]Call, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := `SELECT id, purpose, assistant_id, model, latency_ms, prompt_tokens, completion_tokens, total_tokens, outcome, error, created_at
		FROM ai_calls`
	args := []any{}
	if assistantID > 0 {
		q += ` WHERE assistant_id = ?`
		args = append(args, assistantID)
	}
	rows, err := s.db.Read().Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Call{}
	for rows.Next() {
		var c Call
		var at int64
		if err := rows.Scan(&c.ID, &c.Purpose, &c.AssistantID, &c.Model, &c.LatencyMS, &c.PromptTokens, &c.CompletionTokens,
			&c.TotalTokens, &c.Outcome, &c.Error, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = store.Time(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
