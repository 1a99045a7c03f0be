package forward

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// KindFailing is the notification kind of an endpoint that keeps failing.
const KindFailing = "forwarding_failing"

// record stores an attempt and moves its delivery on: delivered, due
// again after a backoff, or failed for good; and keeps the endpoint's
// health, notifying the team once when it keeps failing. With chain, it
// also claims the conversation's next delivery when that is due (the
// same one again after a retry with no wait) and returns it.
func (s *Service) record(ctx context.Context, c claimed, a attemptResult, chain bool) (*claimed, error) {
	now := s.Now()
	at := store.Millis(now)
	n := c.attempts + 1
	window := c.windowStart
	if window == 0 {
		window = at
	}
	if a.outcome == OutcomeRetry {
		end := window + s.Retry.Window.Milliseconds()
		if at >= end {
			a.outcome = OutcomeFailed
			a.err = "gave up: still failing 24 hours after the first attempt: " + a.err
		}
	}
	var next *claimed
	err := s.DB.InTx(ctx, func(tx store.Tx) error {
		next = nil
		var err error
		switch a.outcome {
		case OutcomeDelivered:
			_, err = tx.Exec(ctx, `UPDATE forward_deliveries SET state = 'delivered', attempts = ?, lease_until = 0, window_start = ?,
				last_status = ?, last_error = '', delivered_at = ?, updated_at = ? WHERE id = ?`, n, window, a.status, at, at, c.id)
		case OutcomeRetry:
			next := at + s.Retry.Delay(n, a.retryAfter, s.Jitter).Milliseconds()
			next = min(next, window+s.Retry.Window.Milliseconds()) // one last try when the window ends
			_, err = tx.Exec(ctx, `UPDATE forward_deliveries SET attempts = ?, next_attempt_at = ?, lease_until = 0, window_start = ?,
				last_status = ?, last_error = ?, updated_at = ? WHERE id = ?`, n, next, window, a.status, a.err, at, c.id)
		default:
			_, err = tx.Exec(ctx, `UPDATE forward_deliveries SET state = 'failed', attempts = ?, lease_until = 0, window_start = ?,
				last_status = ?, last_error = ?, updated_at = ? WHERE id = ?`, n, window, a.status, a.err, at, c.id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO forward_attempts (delivery_id, attempt, method, url, status_code, latency_ms, response,
				error, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.id, n, a.method, a.url, a.status, a.latency.Milliseconds(), a.excerpt, a.err, a.outcome, at); err != nil {
			return err
		}
		if a.outcome == OutcomeDelivered {
			_, err = tx.Exec(ctx, `UPDATE forward_health SET consecutive_failures = 0, failing_since = 0, notified = FALSE
				WHERE id = 1 AND (consecutive_failures <> 0 OR notified)`)
		} else {
			err = s.noteFailure(ctx, tx, a, now)
		}
		if err != nil || !chain {
			return err
		}
		next, err = s.claimNext(ctx, tx, c.conversation, at)
		return err
	})
	return next, err
}

// claimNext claims the head of a conversation's queue if it is due.
func (s *Service) claimNext(ctx context.Context, tx store.Tx, conversation, now int64) (*claimed, error) {
	c := claimed{conversation: conversation}
	var payload string
	err := tx.QueryRow(ctx, `UPDATE forward_deliveries SET lease_until = ?, updated_at = ?
		WHERE id = (SELECT id FROM forward_deliveries WHERE state = 'pending' AND conversation_id = ? ORDER BY id LIMIT 1)
		AND next_attempt_at <= ? AND lease_until <= ? RETURNING id, delivery_id, payload, attempts, window_start`,
		now+s.Lease.Milliseconds(), now, conversation, now, now).Scan(&c.id, &c.deliveryID, &payload, &c.attempts, &c.windowStart)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.payload = []byte(payload)
	return &c, nil
}

// noteFailure counts a failed attempt and notifies the team the first
// time the endpoint has failed FailureLimit times in a row or for
// FailureSpan; not again until a delivery succeeds.
func (s *Service) noteFailure(ctx context.Context, tx store.Tx, a attemptResult, now time.Time) error {
	var failures int
	var since int64
	var notified bool
	if err := tx.QueryRow(ctx, `UPDATE forward_health SET consecutive_failures = consecutive_failures + 1,
			failing_since = CASE WHEN failing_since = 0 THEN ? ELSE failing_since END
		WHERE id = 1 RETURNING consecutive_failures, failing_since, notified`, store.Millis(now)).Scan(&failures, &since, &notified); err != nil {
		return err
	}
	if notified || (failures < s.FailureLimit && now.Sub(store.Time(since)) < s.FailureSpan) {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE forward_health SET notified = TRUE WHERE id = 1`); err != nil {
		return err
	}
	return notify.Add(ctx, tx, KindFailing, "Webhook forwarding keeps failing",
		strconv.Itoa(failures)+" attempts in a row failed since "+store.Time(since).Format("2006-01-02 15:04 UTC")+
			"; the last: "+a.err+". Deliveries are retried for 24 hours: check the endpoint in Settings → Webhook forwarding.",
		"forwarding", now)
}
