package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// SendArgs is the job that sends one queued message.
type SendArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind is River's job kind.
func (SendArgs) Kind() string { return "message.send" }

// InsertOpts puts sends on their own queue, so a burst of sends never
// delays other jobs. Retries are counted by the message (attempts), not by
// River: a retry is a snooze.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSend, MaxAttempts: 25}
}

// QueueSend is the River queue of send jobs.
const QueueSend = "send"

// inDoubtWait is how long a retried send waits for Meta's status webhook
// about an attempt whose outcome we never recorded (the process died
// between Meta's answer and our commit). Meta sends "sent" within seconds
// and echoes our biz_opaque_callback_data, which links the wamid to the
// message (see ApplyStatus). Only when nothing arrives in this time is the
// message sent again: that is the remaining at-least-once window, a crash
// in the instant after Meta accepted and before we recorded it, AND the
// status webhook lost for inDoubtWait.
const inDoubtWait = 30 * time.Second

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	o   *Outbox
	svc *Service
}

// Register adds the send worker.
func (o *Outbox) Register(workers *river.Workers, svc *Service) {
	river.AddWorker(workers, &sendWorker{o: o, svc: svc})
}

// Timeout bounds one attempt, rate-limit wait included.
func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return 2 * time.Minute }

type sendRow struct {
	id, senderID, accountID, contactID int64
	status, wamid, content, phoneID    string
	senderStatus, to, source           string
	attempts, rate                     int
	inDoubtSince                       int64
	settled                            bool // Meta answered the last attempt
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	o := w.o
	var r sendRow
	err := o.DB.Read().QueryRow(ctx, `SELECT m.id, m.status, COALESCE(m.wamid, ''), m.content, m.attempts, m.in_doubt_since, m.source,
			s.id, s.account_id, s.phone_number_id, s.status, s.rate_limit, k.id, k.phone
		FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN senders s ON s.id = c.sender_id
		JOIN contacts k ON k.id = c.contact_id WHERE m.id = ?`, job.Args.MessageID).
		Scan(&r.id, &r.status, &r.wamid, &r.content, &r.attempts, &r.inDoubtSince, &r.source, &r.senderID, &r.accountID, &r.phoneID,
			&r.senderStatus, &r.rate, &r.contactID, &r.to)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted (retention, sender removed): nothing to send
	}
	if err != nil {
		return err
	}
	if r.status != StatusQueued || r.wamid != "" {
		return nil // already sent or failed: a repeated job does nothing
	}
	now := o.Now()
	if r.inDoubtSince > 0 && now.Sub(store.Time(r.inDoubtSince)) < inDoubtWait {
		return river.JobSnooze(inDoubtWait - now.Sub(store.Time(r.inDoubtSince)))
	}
	acc, err := o.Accounts.CachedAccount(ctx, r.accountID)
	if err != nil {
		return err
	}

	// A slot far ahead (the sender is backing off, or a long queue) frees
	// the worker; a near one is waited for here, so sends leave on time.
	wait := o.Limiter.Reserve(r.senderID, float64(r.rate), r.to)
	if wait > 5*time.Second {
		return river.JobSnooze(wait)
	}

	// Record the attempt before calling Meta: if we die during the call,
	// the next run knows the outcome is in doubt (see inDoubtWait).
	attemptAt := o.Now()
	if err := o.DB.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE messages SET attempts = attempts + 1, in_doubt_since = ? WHERE id = ? AND status = 'queued'`,
			store.Millis(attemptAt), r.id)
		return err
	}); err != nil {
		return err
	}
	attempt := r.attempts + 1

	var payload map[string]any
	if err := json.Unmarshal([]byte(r.content), &payload); err != nil {
		return w.fail(ctx, r, &SendError{Code: "invalid_request", Message: "stored message is not valid JSON", Class: Permanent}, attempt)
	}
	payload["biz_opaque_callback_data"] = opaquePrefix + strconv.FormatInt(r.id, 10)
	// Wait for the slot last, right before the call: database work between
	// the wait and the call would bunch sends up at Meta.
	if err := sleepUntil(ctx, wait-o.Now().Sub(attemptAt)); err != nil {
		return err
	}
	res, sendErr := o.CloudFor(acc).SendMessage(ctx, acc.AccessToken, r.phoneID, payload)
	if sendErr == nil {
		err := o.DB.InTx(context.WithoutCancel(ctx), func(tx store.Tx) error {
			if err := RecordSent(ctx, tx, r.id, res.WAMID, store.Millis(o.Now()), store.Millis(o.Now())); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE messages SET in_doubt_since = 0 WHERE id = ?`, r.id); err != nil {
				return err
			}
			return o.runOutcomeHooks(ctx, tx, SendOutcome{MessageID: r.id, Source: r.source, Status: StatusSent, WAMID: res.WAMID})
		})
		o.waiters.notify(r.id)
		return err
	}

	se := ClassifyError(sendErr)
	// When Meta answered with an error, nothing was sent and the attempt is
	// settled. A timeout or a broken connection leaves it in doubt: Meta may
	// have accepted the message, so the retry first waits for its webhook.
	var answered *whatsapp.APIError
	r.settled = errors.As(sendErr, &answered)
	if se.Class == Throttled {
		until := o.Now().Add(max(se.RetryAfter, time.Second))
		if se.SenderWide {
			o.Limiter.Backoff(r.senderID, until)
		} else {
			o.Limiter.BackoffPair(r.senderID, r.to, until)
		}
	}
	if se.Class == Permanent || attempt >= o.Retry.MaxAttempts {
		return w.fail(ctx, r, se, attempt)
	}
	delay := o.Retry.Delay(attempt, se.RetryAfter, jitter)
	if se.Class == Throttled {
		// A throttle is not a failure of this message: the sender backs off
		// (above) and the message goes again after Meta's hint, not after
		// the policy's minute.
		delay = max(se.RetryAfter, time.Second)
	}
	err = o.DB.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE messages SET error_code = ?, error_message = ?, error_detail = ?, updated_at = ?,
				in_doubt_since = CASE WHEN ? THEN 0 ELSE in_doubt_since END WHERE id = ?`,
			se.Code, retryMessage(se, attempt, o.Retry.MaxAttempts, delay), metaDetail(se), store.Millis(o.Now()), r.settled, r.id)
		if err != nil {
			return err
		}
		return w.applySideEffects(ctx, tx, r, se)
	})
	o.waiters.notify(r.id)
	if err != nil {
		return err
	}
	return river.JobSnooze(delay)
}

// sleepUntil waits d (nothing when d <= 0) unless ctx ends first.
func sleepUntil(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fail records a final failure and tells the team.
func (w *sendWorker) fail(ctx context.Context, r sendRow, se *SendError, attempt int) error {
	o := w.o
	now := o.Now()
	err := o.DB.InTx(context.WithoutCancel(ctx), func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE messages SET status = 'failed', failed_at = ?, error_code = ?, error_message = ?, error_detail = ?,
				in_doubt_since = 0, updated_at = ? WHERE id = ?`,
			store.Millis(now), se.Code, se.Message, metaDetail(se), store.Millis(now), r.id); err != nil {
			return err
		}
		if err := w.applySideEffects(ctx, tx, r, se); err != nil {
			return err
		}
		if se.Class != Permanent {
			if err := notify.Add(ctx, tx, notify.KindSendFailed, "A message could not be sent after "+strconv.Itoa(attempt)+" attempts",
				se.Message, "message:"+strconv.FormatInt(r.id, 10), now); err != nil {
				return err
			}
		}
		return o.runOutcomeHooks(ctx, tx, SendOutcome{MessageID: r.id, Source: r.source, Status: StatusFailed, Err: se})
	})
	o.waiters.notify(r.id)
	return err
}

// applySideEffects records what an error says beyond this message: the
// sender is offline, the number is not on WhatsApp.
func (w *sendWorker) applySideEffects(ctx context.Context, tx store.Tx, r sendRow, se *SendError) error {
	now := w.o.Now()
	if se.MarkNotOnWhatsApp {
		if _, err := tx.Exec(ctx, `UPDATE contacts SET not_on_whatsapp = ? WHERE id = ?`, true, r.contactID); err != nil {
			return err
		}
	}
	if se.MarkSenderOffline && r.senderStatus == "CONNECTED" {
		if _, err := tx.Exec(ctx, `UPDATE senders SET status = 'DISCONNECTED', check_error = ?, updated_at = ? WHERE id = ?`,
			se.Message, store.Millis(now), r.senderID); err != nil {
			return err
		}
		return notify.Add(ctx, tx, notify.KindSenderOffline, "A sender went offline", se.Message, "sender:"+strconv.FormatInt(r.senderID, 10), now)
	}
	return nil
}

func retryMessage(se *SendError, attempt, maxAttempts int, delay time.Duration) string {
	return fmt.Sprintf("%s (attempt %d of %d; retrying in %s)", se.Message, attempt, maxAttempts, delay.Round(time.Second))
}

func metaDetail(se *SendError) string {
	if se.MetaCode == 0 {
		return se.MetaDetails
	}
	d := fmt.Sprintf("Meta error %d: %s", se.MetaCode, se.MetaTitle)
	if se.MetaDetails != "" {
		d += ": " + se.MetaDetails
	}
	return d
}

// opaquePrefix marks our message id in biz_opaque_callback_data.
const opaquePrefix = "zf:"
