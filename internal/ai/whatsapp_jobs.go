package ai

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
)

// replyAttempts bounds retries of a reply whose model call failed for a
// reason that may pass (rate limit, timeout, provider down).
const replyAttempts = 3

// replyArgs schedules the assistant's answer to inbound message MessageID.
type replyArgs struct {
	ConversationID int64  `json:"conversation_id"`
	MessageID      int64  `json:"message_id"`
	SenderID       int64  `json:"sender_id"`
	To             string `json:"to"`
	// DueAt (unix ms) is when the reply should go: the message's arrival
	// plus assistant_message_delay.
	DueAt int64 `json:"due_at,omitempty"`
}

// workerWaitMax is the longest delay (seconds) a reply job waits for in
// its worker; longer ones are scheduled in River (precise to a few
// seconds, which does not matter at that length).
const workerWaitMax = 30

// Kind names the job.
func (replyArgs) Kind() string { return "ai_assistant_reply" }

// QueueAssistant is the River queue of the assistant's replies. A reply
// job waits out the typing delay in its worker, so the replies get their
// own workers and never hold up flows and sender checks on the default
// queue.
const QueueAssistant = "assistant"

// InsertOpts puts replies on their own queue.
func (replyArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueAssistant} }

// typingArgs shows the typing indicator on inbound message WAMID.
type typingArgs struct {
	SenderID int64  `json:"sender_id"`
	WAMID    string `json:"wamid"`
}

// Kind names the job.
func (typingArgs) Kind() string { return "ai_typing_indicator" }

// Register adds the WhatsApp assistant's workers.
func (s *Service) Register(workers *river.Workers) {
	river.AddWorker(workers, &replyWorker{s: s})
	river.AddWorker(workers, &typingWorker{s: s})
}

type replyWorker struct {
	river.WorkerDefaults[replyArgs]
	s *Service
}

// Timeout covers the longest model timeout the settings allow.
func (w *replyWorker) Timeout(*river.Job[replyArgs]) time.Duration { return 6 * time.Minute }

func (w *replyWorker) Work(ctx context.Context, job *river.Job[replyArgs]) error {
	if wait := store.Time(job.Args.DueAt).Sub(w.s.now()); job.Args.DueAt > 0 && wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	_, err := w.s.answer(ctx, job.Args)
	if err == nil {
		return nil
	}
	if ae, ok := apperr.As(err); ok && retryable(ae.Code) && job.Attempt < job.MaxAttempts {
		return err // River retries later; the call is already recorded
	}
	if _, ok := apperr.As(err); ok {
		w.s.log.Warn("assistant reply failed", "conversation_id", job.Args.ConversationID, "err", err)
		return nil // recorded as the assistant's last error; retrying will not help
	}
	return err
}

type typingWorker struct {
	river.WorkerDefaults[typingArgs]
	s *Service
}

// Work shows the indicator. It is cosmetic, so a failure is logged and
// never retried: a late "typing…" would be wrong.
func (w *typingWorker) Work(ctx context.Context, job *river.Job[typingArgs]) error {
	if err := w.s.typing(ctx, job.Args); err != nil {
		w.s.log.Warn("typing indicator failed", "sender_id", job.Args.SenderID, "err", err)
	}
	return nil
}

func (s *Service) typing(ctx context.Context, a typingArgs) error {
	sender, err := account.SenderByID(ctx, s.db.Read(), a.SenderID)
	if err != nil {
		return err
	}
	acc, err := s.accounts.CachedAccount(ctx, sender.AccountID)
	if err != nil {
		return err
	}
	return s.typingFor(acc).SendTypingIndicator(ctx, acc.AccessToken, sender.PhoneNumberID, a.WAMID)
}

// answer generates and queues the reply to a.MessageID, unless the
// assistant must stay quiet; it returns why it stayed quiet ("" when it
// sent) or the error that stopped it.
func (s *Service) answer(ctx context.Context, a replyArgs) (string, error) {
	as, err := s.assistantSettings(ctx, nil)
	if err != nil {
		return "", err
	}
	if !as.Enabled || as.AssistantID == 0 {
		return quietDisabled, nil
	}
	if why, err := s.mayAnswer(ctx, s.db.Read(), a, as); err != nil || why != "" {
		return why, err
	}
	asst, err := s.Assistant(ctx, as.AssistantID)
	if err != nil {
		return "", err
	}
	history, err := whatsappHistory(ctx, s.db.Read(), a.ConversationID, a.MessageID, max(asst.HistoryLimit, 1), as.Footer)
	if err != nil {
		return "", err
	}
	if len(history) == 0 {
		return quietSuperseded, nil // the message was deleted (retention) meanwhile
	}
	last := history[len(history)-1]
	prior := fitHistory(history[:len(history)-1], asst.HistoryLimit-1, s.historyTokens-estimateTokens(last.Content))
	msgs := chat(systemMessage(asst.SystemPrompt, asst.Variables), prior, last.Content)
	out, err := s.complete(ctx, call{purpose: PurposeWhatsApp, assistant: &asst, model: asst.Model, temperature: &asst.Temperature, messages: msgs})
	if err != nil {
		return "", err
	}
	text := withFooter(out.Text, as.Footer)
	var why string
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		// Checked again where it counts: between the model call and this
		// transaction the customer may have written again or said stop,
		// or a person may have replied.
		if why, err = s.mayAnswer(ctx, tx, a, as); err != nil || why != "" {
			return err
		}
		_, err := s.outbox.SendTx(ctx, tx, messaging.SendRequest{Type: "text", SenderID: a.SenderID, To: a.To, Text: text, Source: SourceAssistant})
		return err
	})
	if ae, ok := apperr.As(err); ok && ae.Kind != apperr.KindInternal {
		s.noteSendFailure(ctx, &asst, err)
	}
	return why, err
}

// mayAnswer runs every check of the reply job: still the latest inbound
// message, not answered yet (a retried job after a crash), not paused, no
// person in the conversation.
func (s *Service) mayAnswer(ctx context.Context, q store.Querier, a replyArgs, as AssistantSettings) (string, error) {
	var latest int64
	err := q.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = ? AND direction = 'in'`, a.ConversationID).Scan(&latest)
	if err != nil {
		return "", err
	}
	if latest != a.MessageID {
		return quietSuperseded, nil
	}
	var answered int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'out' AND source = ? AND id > ?`,
		a.ConversationID, SourceAssistant, a.MessageID).Scan(&answered); err != nil {
		return "", err
	}
	if answered > 0 {
		return quietAnswered, nil
	}
	// A flow that answered the message (its run started or resumed in the
	// message's own processing transaction) has the conversation.
	var byFlow int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'out' AND source LIKE 'flow:%' AND id > ?`,
		a.ConversationID, a.MessageID).Scan(&byFlow); err != nil {
		return "", err
	}
	if byFlow > 0 {
		return quietFlow, nil
	}
	return s.quiet(ctx, q, a.ConversationID, as, s.now())
}

// whatsappHistory is the conversation's text messages up to message
// upTo, the latest limit of them, oldest first: the customer's as user
// turns, ours as assistant turns (without the footer the assistant added,
// which would only teach the model to repeat it). Failed sends never
// reached the customer and are left out.
func whatsappHistory(ctx context.Context, q store.Querier, convID, upTo int64, limit int, footer string) ([]Message, error) {
	rows, err := q.Query(ctx, `SELECT direction, summary, source FROM (SELECT id, direction, summary, source FROM messages
		WHERE conversation_id = ? AND id <= ? AND type = 'text' AND status <> 'failed' ORDER BY id DESC LIMIT ?) m ORDER BY id`,
		convID, upTo, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var dir, text, source string
		if err := rows.Scan(&dir, &text, &source); err != nil {
			return nil, err
		}
		m := Message{Role: RoleUser, Content: text}
		if dir == messaging.Outbound {
			m.Role = RoleAssistant
			if source == SourceAssistant {
				m.Content = strings.TrimSuffix(text, "\n\n"+footer)
			}
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// withFooter appends the footer, shortening the reply so the whole text
// stays within WhatsApp's 4096 characters.
func withFooter(reply, footer string) string {
	room := messaging.MaxTextLength - utf8.RuneCountInString(footer) - 2
	if r := []rune(reply); len(r) > room {
		reply = strings.TrimSpace(string(r[:max(room-1, 0)])) + "…"
	}
	return reply + "\n\n" + footer
}
