package messaging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Several `zapflow serve` processes on one PostgreSQL database share the
// send queue, but pacing (ratelimit.Limiter) lives in memory. Rather than
// move every slot booking into the database, each sender is dispatched by
// one instance at a time: the holder of its time-sliced lease, a row in
// sender_leases. So the per-sender rate, the per-recipient pair limit and
// Meta's backoffs keep working exactly as in a single process, at the cost
// of one small write per sender every couple of seconds.
//
//   - An instance takes a sender's lease when it has due messages for it and
//     the lease is free or has expired (INSERT … ON CONFLICT DO UPDATE …
//     WHERE lease_until <= now), and renews it while it holds it, every
//     round once less than leaseRenewBelow is left. The row lock of that
//     statement makes take-over atomic: two instances never both win.
//   - The holder only books slots up to leaseGuard before lease_until
//     (sendJob.deadline), and checks the deadline again just before calling
//     Meta, so after a stall nothing is sent on a lapsed lease. The next
//     holder starts at lease_until or later: the gap between the last send
//     of one and the first of the other is at least one send interval, so
//     no one-second window holds more than the rate.
//   - The new holder's limiter has no log of the previous holder's sends,
//     so on taking a lease over from another instance it starts one
//     window after the previous lease_until (ratelimit.Limiter.TakeOver):
//     no one-second window can hold sends of both, whatever their timing.
//     After a crash that lease lapsed seconds ago and this costs nothing.
//   - An instance that dies stops renewing; another takes over within
//     leasePeriod. Messages the dead one had claimed (not yet sent) come
//     back after the message lease (OutboxOptions.Lease), like after any
//     crash. Stop hands leases back at once.
//   - A lease kept with nothing to send is handed back after leaseIdle, so a
//     sender's traffic is not pinned to an instance forever, while a busy
//     sender's pair buckets stay on one instance. On a take-over the new
//     holder starts with fresh pair buckets; Meta's own 131056 answers are
//     still honoured then (BackoffPair).
//
// Lease times are the instances' clocks: they must agree to well within
// leaseGuard (NTP does). On SQLite there is one process and no leases.
const (
	leasePeriod     = 5 * time.Second
	leaseRenewBelow = 3500 * time.Millisecond // renew when less is left (> claimHorizon + leaseGuard)
	leaseGuard      = 250 * time.Millisecond
	leaseIdle       = 30 * time.Second
	// clusterPoll bounds the wait between rounds with leases on: messages
	// queued through another instance wake only that one, so the holder
	// looks for them this often (two cheap reads).
	clusterPoll = 200 * time.Millisecond
)

// heldLease is one sender lease this instance holds.
type heldLease struct {
	until    time.Time
	epoch    int64
	lastWork time.Time // the last round that found something to send
}

// senderLeases is this instance's side of sender_leases. Only the dispatch
// loop uses it, so it needs no lock.
type senderLeases struct {
	db     store.DB
	holder string
	held   map[int64]*heldLease
	// others: senders another instance holds, until when (read each
	// round), so they cost no write.
	others map[int64]time.Time
	// takeOver is told when this instance takes a lease another one held
	// until prevUntil (the Outbox wires it to Limiter.TakeOver).
	takeOver func(id int64, prevUntil time.Time)
}

func newSenderLeases(db store.DB) *senderLeases {
	return &senderLeases{db: db, holder: newHolderID(), held: map[int64]*heldLease{}, others: map[int64]time.Time{}}
}

// newHolderID names this process in sender_leases: host, pid and a random
// part (a restarted process must not inherit its predecessor's leases).
func newHolderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + hex.EncodeToString(b)
}

// refresh reads who holds which lease, once per dispatch round.
func (l *senderLeases) refresh(ctx context.Context) error {
	rows, err := l.db.Read().Query(ctx, `SELECT sender_id, holder, lease_until FROM sender_leases`)
	if err != nil {
		return err
	}
	defer rows.Close()
	clear(l.others)
	for rows.Next() {
		var id, until int64
		var holder string
		if err := rows.Scan(&id, &holder, &until); err != nil {
			return err
		}
		if holder != l.holder {
			l.others[id] = store.Time(until)
			delete(l.held, id) // taken over while we stalled
		}
	}
	return rows.Err()
}

// busy reports whether another instance holds sender id's lease at now.
func (l *senderLeases) busy(id int64, now time.Time) bool {
	until, ok := l.others[id]
	return ok && until.After(now)
}

// ensure makes sure this instance holds sender id's lease for a while
// past now, taking or renewing it, and returns its deadline: no slot may
// be booked, or send start, after it. ok is false when another instance
// holds it.
func (l *senderLeases) ensure(ctx context.Context, id int64, now time.Time) (deadline time.Time, ok bool, err error) {
	if h := l.held[id]; h != nil && h.until.Sub(now) >= leaseRenewBelow {
		h.lastWork = now
		return h.until.Add(-leaseGuard), true, nil
	}
	if l.busy(id, now) {
		return time.Time{}, false, nil
	}
	until := now.Add(leasePeriod)
	prevUntil, fromOther := l.others[id]
	var epoch int64
	err = l.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO sender_leases (sender_id, holder, lease_until, epoch) VALUES (?, ?, ?, 1)
		ON CONFLICT (sender_id) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until,
			epoch = sender_leases.epoch + CASE WHEN sender_leases.holder = excluded.holder THEN 0 ELSE 1 END
		WHERE sender_leases.holder = excluded.holder OR sender_leases.lease_until <= ?
		RETURNING epoch`, id, l.holder, store.Millis(until), store.Millis(now)).Scan(&epoch)
	})
	if errors.Is(err, store.ErrNotFound) {
		delete(l.held, id)
		l.others[id] = until // someone else won; re-read next round
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	l.held[id] = &heldLease{until: until, epoch: epoch, lastWork: now}
	delete(l.others, id)
	if fromOther && l.takeOver != nil {
		l.takeOver(id, prevUntil)
	}
	return until.Add(-leaseGuard), true, nil
}

// keep renews a held lease while its sender has nothing due right now,
// and hands it back once it has had nothing due for leaseIdle.
func (l *senderLeases) keep(ctx context.Context, id int64, now time.Time) error {
	h := l.held[id]
	if h == nil {
		return nil
	}
	if now.Sub(h.lastWork) >= leaseIdle {
		return l.release(ctx, id, now)
	}
	if h.until.Sub(now) >= leaseRenewBelow {
		return nil
	}
	last := h.lastWork
	_, _, err := l.ensure(ctx, id, now)
	if h := l.held[id]; h != nil {
		h.lastWork = last
	}
	return err
}

// nextRound bounds the wait before the next dispatch round: held leases
// are renewed in time, and a lease another instance lets lapse is taken
// over promptly.
func (l *senderLeases) nextRound(now time.Time) time.Duration {
	next := clusterPoll
	for _, h := range l.held {
		next = min(next, h.until.Add(-leaseRenewBelow).Sub(now))
	}
	return max(next, time.Millisecond)
}

// release hands sender id's lease back: its sends booked up to now are
// over, so another instance may start at once (after).
func (l *senderLeases) release(ctx context.Context, id int64, after time.Time) error {
	delete(l.held, id)
	return l.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sender_leases SET lease_until = ? WHERE sender_id = ? AND holder = ?`,
			store.Millis(after), id, l.holder)
		return err
	})
}

// releaseAll hands back every lease, at Stop: the sends in flight are done.
func (l *senderLeases) releaseAll(ctx context.Context, after time.Time) error {
	var errs []error
	for id := range l.held {
		errs = append(errs, l.release(ctx, id, after))
	}
	return errors.Join(errs...)
}
