package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/whatsapp"
)

// sendTimeout bounds one call to Meta. It stays well inside DefaultLease.
const sendTimeout = 30 * time.Second

type resultKind int

const (
	resultSent    resultKind = iota // Meta accepted it
	resultRetry                     // try again at job.slot + delay
	resultFail                      // failed for good
	resultRelease                   // not attempted: give the claim back
)

// sendResult is one attempt's outcome, for the committer to record.
type sendResult struct {
	job     sendJob
	kind    resultKind
	wamid   string
	se      *SendError
	settled bool          // Meta answered: the attempt is not in doubt
	delay   time.Duration // before the retry
	at      time.Time
	// unparked: the batch found no status waiting for this wamid in
	// pending_statuses (parkedWAMIDs), so its record need not look again.
	unparked bool
	// deferrals counts the batches that left it for the next because
	// another transaction held its message row (PostgreSQL, see commit).
	deferrals int
}

// attempt waits for the job's slot and calls Meta once.
func (o *Outbox) attempt(ctx context.Context, j sendJob) sendResult {
	wait := o.sleepUntil
	if o.slotWait != nil {
		wait = func(time.Time) bool { return o.slotWait(j) }
	}
	if !wait(j.slot) {
		return sendResult{job: j, kind: resultRelease} // shutting down before the call
	}
	acc, err := o.Accounts.CachedAccount(ctx, j.accountID)
	if err != nil {
		// Nothing reached Meta: retry as a settled transient error.
		r := o.afterError(j, err)
		r.settled = true
		return r
	}
	var payload map[string]any
	if err := json.Unmarshal([]byte(j.content), &payload); err != nil {
		return sendResult{job: j, kind: resultFail, settled: true, at: o.Now(),
			se: &SendError{Code: "invalid_request", Message: "stored message is not valid JSON", Class: Permanent}}
	}
	payload["biz_opaque_callback_data"] = opaquePrefix + strconv.FormatInt(j.id, 10)
	// Last thing before the call: the sender's one-second window
	// (ratelimit's gate) and, with leases, the lease deadline.
	if o.slotWait == nil && !o.admit(j) {
		return sendResult{job: j, kind: resultRelease} // shutting down before the call
	}
	if !j.deadline.IsZero() && o.Now().After(j.deadline) {
		// Stalled past the sender's lease: another instance may be sending
		// from it now (sender_lease.go).
		return sendResult{job: j, kind: resultRelease}
	}
	cctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	res, err := o.CloudFor(acc).SendMessage(cctx, acc.AccessToken, j.phoneID, payload)
	if err != nil {
		r := o.afterError(j, err)
		if r.se.MarkTokenRefused {
			o.tokenRefused(ctx, j, r.se)
		}
		return r
	}
	return sendResult{job: j, kind: resultSent, wamid: res.WAMID, settled: true, at: o.Now()}
}

// admit waits until the sender's admission gate lets this call through:
// a send that woke late must not land in a one-second window that already
// holds the rate (ratelimit/gate.go). Tests that skip slot waits model
// sends made exactly at their slots, which the gate never defers, so they
// skip it too. False when the outbox stops first.
func (o *Outbox) admit(j sendJob) bool {
	for {
		w := o.Limiter.Admit(j.senderID, j.paceRate())
		if w <= 0 {
			return true
		}
		if !o.sleepUntil(o.Now().Add(w)) {
			return false
		}
	}
}

// afterError classifies a failed attempt and decides what comes next.
// Throttles back the sender (or the pair) off at once, so sends already
// claimed wait too.
func (o *Outbox) afterError(j sendJob, err error) sendResult {
	se := ClassifyError(err)
	// When Meta answered with an error nothing was sent. A timeout or a
	// broken connection leaves the attempt in doubt: Meta may have accepted
	// it, so it keeps in_doubt_since (see DefaultLease).
	var answered *whatsapp.APIError
	r := sendResult{job: j, se: se, settled: errors.As(err, &answered), at: o.Now()}
	if se.Class == Throttled {
		until := r.at.Add(max(se.RetryAfter, time.Second))
		if se.SenderWide {
			o.Limiter.Backoff(j.senderID, until)
		} else {
			o.Limiter.BackoffPair(j.senderID, j.to, until)
		}
	}
	switch {
	case se.Class == Permanent || j.attempt >= o.Retry.MaxAttempts:
		r.kind = resultFail
	case se.Class == Throttled:
		// A throttle is not this message's failure: it goes again after
		// Meta's hint, not after the policy's wait.
		r.kind, r.delay = resultRetry, max(se.RetryAfter, time.Second)
	default:
		r.kind, r.delay = resultRetry, o.Retry.Delay(j.attempt, se.RetryAfter, o.jitter)
	}
	return r
}

// sleepUntil waits for t by the wall clock; false when the outbox stops
// first.
func (o *Outbox) sleepUntil(t time.Time) bool {
	d := t.Sub(o.Now())
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-o.stop:
		return false
	}
}
