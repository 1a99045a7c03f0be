package messaging

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// maxCommitBatch caps how many outcomes one transaction records.
const maxCommitBatch = 512

// On PostgreSQL a batch records only the outcomes whose message rows it
// can lock at once (SKIP LOCKED). The others, rows an intake lane holds
// while it applies their status webhooks, go in a later batch: the
// committer used to wait for each such lane to commit (up to 480 ms a
// batch in bench-flows), and while it waited no outcome was recorded and,
// past maxUnrecorded, nothing new was claimed. After maxDeferrals batches
// an outcome waits for its row like before, so every outcome is recorded
// (a row that no longer exists is never returned by the lock either).
const (
	maxDeferrals = 3
	// deferWait is how long deferred outcomes wait for a new batch before
	// they are tried again alone.
	deferWait = 5 * time.Millisecond
)

// pgCommitters is how many batches of outcomes PostgreSQL records at
// once. A committer records each outcome in several round trips (the
// message, its flow run, its hooks), one after the other, and alone it
// fell behind: in bench-flows the runs completed 6.5-9 s after the last
// send, against 0.6-1.2 s with two (and 396-421 flows/s against
// 437-521). Batches never share a message, and each locks its rows
// without waiting (lockOutcomes). SQLite has one writer, so one committer.
const pgCommitters = 2

// commitLoop records send outcomes in batches: whatever arrived while the
// previous batch committed goes in the next one (group commit).
func (o *Outbox) commitLoop(ctx context.Context) {
	var deferred []sendResult
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	for {
		if len(deferred) > 0 {
			retry.Reset(deferWait)
		}
		select {
		case <-o.results.ready:
		case <-retry.C:
		case <-o.commitStop:
			retry.Stop()
			// At shutdown every outcome waits for its row.
			for batch := o.results.take(deferred, maxCommitBatch); len(batch) > 0; batch = o.results.take(nil, maxCommitBatch) {
				for i := range batch {
					batch[i].deferrals = maxDeferrals
				}
				o.commit(ctx, batch)
			}
			return
		}
		retry.Stop()
		deferred = o.commit(ctx, o.results.take(deferred, maxCommitBatch))
	}
}

// commit records a batch in one transaction and returns the outcomes it
// left for a later batch (see maxDeferrals). If the transaction fails,
// each outcome is recorded on its own so one bad row does not hold back
// the rest, and one whose outcome hooks fail is recorded without them: a
// message Meta accepted must be recorded as sent, or it would be sent
// again after its lease. One that still fails stays claimed and in doubt
// (DefaultLease).
func (o *Outbox) commit(ctx context.Context, batch []sendResult) (deferred []sendResult) {
	if len(batch) == 0 {
		return nil
	}
	// Relaxed: an outcome lost with a power loss leaves its message claimed
	// and in doubt, and Meta's status webhook links the send again.
	ctx = store.ForWork(store.Relaxed(ctx), store.WorkSends)
	// In message id order, every row locked first: see lockorder.go.
	ordered := slices.SortedFunc(slices.Values(batch), func(a, b sendResult) int { return cmp.Compare(a.job.id, b.job.id) })
	var recorded []sendResult
	err := o.DB.InTx(ctx, func(tx store.Tx) error {
		var err error
		if recorded, deferred, err = o.lockOutcomes(ctx, tx, ordered); err != nil {
			return err
		}
		if err := markUnparked(ctx, tx, recorded); err != nil {
			return err
		}
		sent, err := recordSentBatch(ctx, tx, recorded, store.Millis(o.Now()))
		if err != nil {
			return err
		}
		if err := o.runBatchHooks(ctx, tx, recorded, sent); err != nil {
			return err
		}
		for _, r := range recorded {
			if err := o.record(ctx, tx, r, true, sent); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		o.Log.Warn("recording send outcomes as a batch failed; recording one by one", "err", err, "batch", len(batch))
		recorded, deferred = batch, nil
		for _, r := range batch {
			err := o.DB.InTx(ctx, func(tx store.Tx) error { return o.record(ctx, tx, r, true, nil) })
			if err == nil {
				continue
			}
			o.Log.Error("recording a send outcome with its hooks; recording it without them", "message_id", r.job.id, "source", r.job.source, "err", err)
			if err := o.DB.InTx(ctx, func(tx store.Tx) error { return o.record(ctx, tx, r, false, nil) }); err != nil {
				o.Log.Error("recording a send outcome", "message_id", r.job.id, "err", err)
			}
		}
	}
	batch = recorded
	if len(batch) == 0 {
		return deferred // every row was held: nothing to count or log
	}
	again := false
	counts := map[resultKind]int{}
	for _, r := range batch {
		o.inflight.Done()
		counts[r.kind]++
		again = again || r.kind == resultRelease || r.kind == resultRetry
		if r.kind != resultRelease {
			o.waiters.notify(r.job.id) // "wait": true answers with the first attempt's outcome
		}
	}
	// One line per batch of outcomes (not per message): what was sent,
	// readable next to the job queue's housekeeping.
	o.Log.Info("sent message batch", "messages", len(batch), "sent", counts[resultSent], "retrying", counts[resultRetry],
		"failed", counts[resultFail], "released", counts[resultRelease])
	// A round held back by maxUnrecorded goes on now.
	if n := o.unrecorded.Add(-int64(len(batch))); again || (o.held.Load() && n < int64(o.maxUnrecorded/2)) {
		o.wake()
	}
	if counts[resultSent] > 0 && o.sentRecorded != nil && o.DB.Dialect() == store.Postgres {
		// SQLite's single writer orders the two sides: no race to close.
		o.sentRecorded()
	}
	return deferred
}

// lockOutcomes locks the message rows of ordered (in id order) and splits
// it into the outcomes to record now and those deferred to a later batch.
// On SQLite, whose writer is alone, all are recorded now. On PostgreSQL
// the rows of outcomes deferred maxDeferrals times are waited for; the
// others are locked only if free (SKIP LOCKED), so the batch never waits
// for an intake lane.
func (o *Outbox) lockOutcomes(ctx context.Context, tx store.Tx, ordered []sendResult) (now, later []sendResult, err error) {
	if o.DB.Dialect() != store.Postgres {
		return ordered, nil, nil
	}
	var overdue, free []int64
	for _, r := range ordered {
		if r.deferrals >= maxDeferrals {
			overdue = append(overdue, r.job.id)
		} else {
			free = append(free, r.job.id)
		}
	}
	if err := lockMessages(ctx, tx, o.DB.Dialect(), overdue); err != nil {
		return nil, nil, err
	}
	locked, err := lockFreeMessages(ctx, tx, free)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range ordered {
		if r.deferrals >= maxDeferrals || locked[r.job.id] {
			now = append(now, r)
			continue
		}
		r.deferrals++
		later = append(later, r)
	}
	return now, later, nil
}

// markUnparked looks up, in one query, which of the batch's sent wamids
// have statuses waiting in pending_statuses, and marks the others so that
// recording them skips the per-message lookup: a status rarely beats its
// send's record, and one query per send was a statement per message on
// SQLite's single writer.
func markUnparked(ctx context.Context, tx store.Tx, batch []sendResult) error {
	var wamids []any
	for _, r := range batch {
		if r.kind == resultSent {
			wamids = append(wamids, r.wamid)
		}
	}
	parked := map[string]bool{}
	for _, size := range store.Chunks(len(wamids)) {
		rows, err := tx.Query(ctx, `SELECT DISTINCT wamid FROM pending_statuses WHERE wamid IN (`+store.List(size)+`)`, wamids[:size]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err != nil {
				rows.Close()
				return err
			}
			parked[w] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		wamids = wamids[size:]
	}
	for i := range batch {
		batch[i].unparked = batch[i].kind == resultSent && !parked[batch[i].wamid]
	}
	return nil
}

// record writes one outcome inside tx, and runs the outcome hooks when
// hooks is set. A send whose message recordSentBatch updated (sent
// non-nil) is not updated again: sent tells whether that was its first
// record.
func (o *Outbox) record(ctx context.Context, tx store.Tx, r sendResult, hooks bool, sent *sentBatch) error {
	j := r.job
	now := store.Millis(o.Now())
	switch r.kind {
	case resultSent:
		var first bool
		var err error
		if sent != nil {
			first = sent.takeFirst(j.id, r.wamid)
			if !r.unparked {
				_, err = applyPending(ctx, tx, r.wamid, now)
			}
		} else {
			first, err = recordSent(ctx, tx, j.id, r.wamid, store.Millis(r.at), now, !r.unparked)
		}
		if err != nil || !hooks || !first {
			return err // not first: the status webhook reported the outcome already
		}
		return o.runOutcomeHooks(ctx, tx, SendOutcome{MessageID: j.id, ConversationID: j.conversationID, Source: j.source, Status: StatusSent, WAMID: r.wamid})
	case resultRelease:
		_, err := tx.Exec(ctx, `UPDATE messages SET attempts = attempts - 1, in_doubt_since = ?, send_at = ?, updated_at = ?
			WHERE id = ? AND status = 'queued'`, j.prevDoubt, store.Millis(j.slot), now, j.id)
		return err
	case resultRetry:
		_, err := tx.Exec(ctx, `UPDATE messages SET error_code = ?, error_message = ?, error_detail = ?, updated_at = ?, send_at = ?,
				in_doubt_since = CASE WHEN ? THEN 0 ELSE in_doubt_since END WHERE id = ? AND status = 'queued'`,
			r.se.Code, retryMessage(r.se, j.attempt, o.Retry.MaxAttempts, r.delay), metaDetail(r.se), now,
			store.Millis(r.at.Add(r.delay)), r.settled, j.id)
		if err != nil {
			return err
		}
		return o.applySideEffects(ctx, tx, j, r.se)
	default:
		return o.recordFailed(ctx, tx, r, hooks)
	}
}

// recordFailed records a final failure and tells the team when it came
// after retries (a permanent error is the caller's to see at once).
func (o *Outbox) recordFailed(ctx context.Context, tx store.Tx, r sendResult, hooks bool) error {
	j, se, now := r.job, r.se, o.Now()
	msg := se.Message
	if se.Class != Permanent {
		msg = strings.Replace(msg, "the platform retries", "gave up after "+strconv.Itoa(j.attempt)+" attempts", 1)
	}
	if _, err := tx.Exec(ctx, `UPDATE messages SET status = 'failed', failed_at = ?, error_code = ?, error_message = ?, error_detail = ?,
			in_doubt_since = 0, send_at = 0, updated_at = ? WHERE id = ? AND status = 'queued'`,
		store.Millis(now), se.Code, msg, metaDetail(se), store.Millis(now), j.id); err != nil {
		return err
	}
	if err := o.applySideEffects(ctx, tx, j, se); err != nil {
		return err
	}
	if se.Class != Permanent {
		if err := notify.Add(ctx, tx, notify.KindSendFailed, "A message could not be sent after "+strconv.Itoa(j.attempt)+" attempts",
			msg, "message:"+strconv.FormatInt(j.id, 10), now); err != nil {
			return err
		}
	}
	if !hooks {
		return nil
	}
	return o.runOutcomeHooks(ctx, tx, SendOutcome{MessageID: j.id, ConversationID: j.conversationID, Source: j.source, Status: StatusFailed, Err: se})
}

// applySideEffects records what an error says beyond this message: the
// sender is offline, the number is not on WhatsApp, the customer stopped
// marketing messages.
func (o *Outbox) applySideEffects(ctx context.Context, tx store.Tx, j sendJob, se *SendError) error {
	now := o.Now()
	if se.MarkNotOnWhatsApp {
		if _, err := tx.Exec(ctx, `UPDATE contacts SET not_on_whatsapp = ? WHERE id = ?`, true, j.contactID); err != nil {
			return err
		}
	}
	if se.Code == ErrCodeOptedOut {
		if err := optOutRefused(ctx, tx, j.conversationID, store.Millis(now)); err != nil {
			return err
		}
	}
	if se.MarkSenderOffline {
		n, err := tx.Exec(ctx, `UPDATE senders SET status = 'DISCONNECTED', check_error = ?, updated_at = ? WHERE id = ? AND status = 'CONNECTED'`,
			se.Message, store.Millis(now), j.senderID)
		if err != nil || n == 0 {
			return err
		}
		return notify.Add(ctx, tx, notify.KindSenderOffline, "A sender went offline", se.Message, "sender:"+strconv.FormatInt(j.senderID, 10), now)
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

// sentBatch is what writeSent recorded: the wamid it set, by
// message id.
type sentBatch struct{ first map[int64]string }

// isFirst reports whether the batch recorded message id's send as wamid.
func (b *sentBatch) isFirst(id int64, wamid string) bool {
	w, ok := b.first[id]
	return ok && w == wamid
}

// takeFirst is isFirst that forgets the message: a repeat of it in the
// batch is not the first record.
func (b *sentBatch) takeFirst(id int64, wamid string) bool {
	first := b.isFirst(id, wamid)
	delete(b.first, id)
	return first
}

// recordSentBatch records the wamids of a batch's accepted sends as
// recordSent does, but with one statement per chunk (and without its
// look for statuses that came first, which record then does for each).
// On PostgreSQL every statement is a round trip, and one per send was a
// third of what a flow's send cost its outcome batch: the others were
// the run's read, now one per batch as well (BeforeOutcomes), and its
// update.
func recordSentBatch(ctx context.Context, tx store.Tx, batch []sendResult, now int64) (*sentBatch, error) {
	seen := map[int64]bool{}
	var rows []sentRow
	for _, r := range batch {
		// One row per message: with two, UPDATE … FROM would set either
		// wamid, where recording them in turn keeps the first.
		if r.kind == resultSent && !seen[r.job.id] {
			seen[r.job.id] = true
			rows = append(rows, sentRow{id: r.job.id, wamid: r.wamid, at: store.Millis(r.at)})
		}
	}
	return writeSent(ctx, tx, rows, now)
}

// sentRow is an accepted send to record: its message, wamid and time.
type sentRow struct {
	id    int64
	wamid string
	at    int64
}

// writeSent sets the wamid of each row's message, marks it sent and
// takes it off the send queue, one statement per chunk, and returns what
// it recorded.
func writeSent(ctx context.Context, tx store.Tx, sent []sentRow, now int64) (*sentBatch, error) {
	out := &sentBatch{first: map[int64]string{}}
	for _, n := range store.Chunks(len(sent)) {
		args := make([]any, 0, 4*n+1)
		for _, r := range sent[:n] {
			args = append(args, r.id, r.wamid, r.at)
		}
		args = append(args, now)
		for _, r := range sent[:n] {
			args = append(args, r.id)
		}
		rows, err := tx.Query(ctx, sentSQL(n), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var wamid string
			if err := rows.Scan(&id, &wamid); err != nil {
				rows.Close()
				return nil, err
			}
			out.first[id] = wamid
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		sent = sent[n:]
	}
	return out, nil
}

// sentSQL is writeSent's statement for n messages: each one's id, wamid
// and send time, the update time, then the n ids again (the id list
// keeps PostgreSQL on the primary key, as in touchSQL). Only a message
// without a wamid is updated: one that has one was recorded by its
// status webhook (linkByOpaque) or an earlier record. The check appends
// an empty text to the wamid (still NULL when the wamid is), which no
// index answers: as a plain "wamid IS NULL", PostgreSQL, estimating few
// such rows, read them all through messages_wamid (every queued message
// has none) and filtered them by id: 866 index entries to record 16
// sends in a 10,000-flow benchmark, 4.4 million in all against 55,000.
func sentSQL(n int) string {
	var b strings.Builder
	b.WriteString(`WITH v (mid, w, at) AS (VALUES (CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT))`)
	for range n - 1 {
		b.WriteString(`, (?, ?, ?)`)
	}
	b.WriteString(`)
	UPDATE messages SET wamid = v.w, status = CASE WHEN status IN ('queued', 'failed') THEN 'sent' ELSE status END,
		sent_at = CASE WHEN sent_at = 0 THEN v.at ELSE sent_at END, error_code = '', error_message = '', error_detail = '',
		in_doubt_since = 0, send_at = 0, updated_at = ?
	FROM v WHERE messages.id = v.mid AND messages.id IN (` + store.List(n) + `) AND (messages.wamid || '') IS NULL
	RETURNING messages.id, messages.wamid`)
	return b.String()
}

// runBatchHooks gives the batch hooks the outcomes the batch may report:
// the sends it recorded first and the final failures.
func (o *Outbox) runBatchHooks(ctx context.Context, tx store.Tx, batch []sendResult, sent *sentBatch) error {
	if len(o.batchHooks) == 0 {
		return nil
	}
	var outs []SendOutcome
	for _, r := range batch {
		j := r.job
		switch {
		case r.kind == resultSent && sent.isFirst(j.id, r.wamid):
			outs = append(outs, SendOutcome{MessageID: j.id, ConversationID: j.conversationID, Source: j.source, Status: StatusSent, WAMID: r.wamid})
		case r.kind == resultFail:
			outs = append(outs, SendOutcome{MessageID: j.id, ConversationID: j.conversationID, Source: j.source, Status: StatusFailed, Err: r.se})
		}
	}
	if len(outs) == 0 {
		return nil
	}
	for _, h := range o.batchHooks {
		if err := h(ctx, tx, outs); err != nil {
			return err
		}
	}
	return nil
}
