package forward

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// pollInterval bounds the wait between rounds when nothing wakes the
// dispatcher: deliveries written by another process, a setting changed
// there, clock jumps. Rows written here wake it at once (after commit).
const pollInterval = 5 * time.Second

// maxChain is how many deliveries of one conversation a send slot takes
// in a row before it lets other conversations have it.
const maxChain = 8

// claimed is a delivery this process is sending.
type claimed struct {
	id           int64
	conversation int64
	deliveryID   string
	payload      []byte
	attempts     int // attempts made before this one
	windowStart  int64
}

// headsQuery selects the head of each conversation's queue of pending
// deliveries: only it may be sent, so deliveries of one conversation keep
// their order while those of different conversations go in parallel.
const headsQuery = `SELECT d.id, d.conversation_id, d.delivery_id, d.payload, d.attempts, d.window_start, d.next_attempt_at, d.lease_until
	FROM forward_deliveries d
	JOIN (SELECT MIN(id) AS id FROM forward_deliveries WHERE state = 'pending' GROUP BY conversation_id) h ON h.id = d.id`

// Start runs the dispatcher until Stop.
func (s *Service) Start(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	s.stop = make(chan struct{})
	s.stopped = make(chan struct{})
	go s.loop(ctx)
}

// Stop stops claiming and waits for the sends in flight (until ctx ends;
// an unfinished one is due again after its lease).
func (s *Service) Stop(ctx context.Context) {
	if s.stop == nil {
		return
	}
	close(s.stop)
	<-s.stopped
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.Log.Warn("forwarding: deliveries still in flight at shutdown; they are sent again after their lease")
	}
}

// Wake asks for a dispatch round now.
func (s *Service) Wake() {
	select {
	case s.wakeCh <- struct{}{}:
	default:
	}
}

// idleGap is the least time between two rounds after one that sent
// nothing: while the endpoint is down, every inbound message still wakes
// the dispatcher, and each round reads the queue's heads; wake-ups within
// the gap are answered together at its end.
const idleGap = 200 * time.Millisecond

func (s *Service) loop(ctx context.Context) {
	defer close(s.stopped)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var quietUntil time.Time
	reset := func(d time.Duration) {
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(d)
	}
	for {
		select {
		case <-s.stop:
			return
		case <-s.wakeCh:
			if wait := time.Until(quietUntil); wait > 0 {
				reset(wait)
				continue
			}
		case <-timer.C:
		}
		next, sent, err := s.dispatchOnce(ctx)
		if err != nil {
			s.Log.Error("forwarding: dispatch", "err", err)
			next = time.Second
		}
		quietUntil = time.Time{}
		if sent == 0 {
			quietUntil = time.Now().Add(idleGap)
		}
		reset(next)
	}
}

// dispatchOnce claims the due heads this process has room for, starts
// sending them, and says when the next round is needed and how many
// sends it started.
func (s *Service) dispatchOnce(ctx context.Context) (time.Duration, int, error) {
	st, err := s.settings(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	if !st.Enabled || st.URL == "" {
		return pollInterval, 0, nil // held: nothing is sent or retried while off
	}
	secret, err := s.Box.Decrypt(st.Secret)
	if err != nil {
		return 0, 0, err
	}
	free := cap(s.slots) - len(s.slots)
	if free <= 0 {
		return pollInterval, 1, nil // busy; a finishing send wakes the loop
	}
	now := store.Millis(s.Now())
	heads, next, err := s.heads(ctx, now)
	if err != nil {
		return 0, 0, err
	}
	if len(heads) > free {
		heads = heads[:free]
	}
	var got []claimed
	if len(heads) > 0 {
		if got, err = s.claim(ctx, heads, now); err != nil {
			return 0, 0, err
		}
		for _, c := range got {
			s.slots <- struct{}{}
			s.inflight.Add(1)
			go s.run(ctx, c, st, secret)
		}
	}
	if next == 0 {
		return pollInterval, len(got), nil
	}
	return min(max(time.Duration(next-now)*time.Millisecond, time.Millisecond), pollInterval), len(got), nil
}

// heads reads the due heads, oldest due first, and when the earliest head
// not due yet becomes due (0: none).
func (s *Service) heads(ctx context.Context, now int64) ([]claimed, int64, error) {
	rows, err := s.DB.Read().Query(ctx, headsQuery+` ORDER BY d.next_attempt_at, d.id`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var due []claimed
	var next int64
	for rows.Next() {
		var c claimed
		var payload string
		var at, lease int64
		if err := rows.Scan(&c.id, &c.conversation, &c.deliveryID, &payload, &c.attempts, &c.windowStart, &at, &lease); err != nil {
			return nil, 0, err
		}
		c.payload = []byte(payload)
		if ready := max(at, lease); ready > now {
			if next == 0 || ready < next {
				next = ready
			}
			continue
		}
		due = append(due, c)
	}
	return due, next, rows.Err()
}

// claim leases the heads to this process in one transaction; a head
// another process claimed meanwhile is left to it.
func (s *Service) claim(ctx context.Context, heads []claimed, now int64) ([]claimed, error) {
	byID := make(map[int64]claimed, len(heads))
	for _, c := range heads {
		byID[c.id] = c
	}
	var got []claimed
	err := s.DB.InTx(ctx, func(tx store.Tx) error {
		got = got[:0]
		start := 0
		for _, size := range store.Chunks(len(heads)) {
			args := []any{now + s.Lease.Milliseconds(), now}
			for _, c := range heads[start : start+size] {
				args = append(args, c.id)
			}
			start += size
			args = append(args, now, now)
			rows, err := tx.Query(ctx, `UPDATE forward_deliveries SET lease_until = ?, updated_at = ?
				WHERE id IN (`+store.List(size)+`) AND state = 'pending' AND lease_until <= ? AND next_attempt_at <= ? RETURNING id`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				got = append(got, byID[id])
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return got, err
}

// run sends one claimed delivery and records the attempt. While
// forwarding stays on, it goes on with its conversation's next delivery
// when that is due, claimed in the same transaction that recorded this
// one: a conversation's backlog drains without a dispatch round per
// delivery.
func (s *Service) run(ctx context.Context, c claimed, st Settings, secret string) {
	defer func() {
		<-s.slots
		s.inflight.Done()
		s.Wake() // the conversation's next delivery may be due now
	}()
	for sent := 1; ; sent++ {
		a := s.attempt(ctx, c, st, secret)
		s.Metrics.ForwardAttempt(a.outcome, a.latency)
		var err error
		st, err = s.settings(ctx, nil)
		// After maxChain sends the slot goes back to the dispatcher, which
		// serves the conversations that waited longest first.
		chain := err == nil && st.Enabled && st.URL != "" && !s.stopping() && sent < maxChain
		if chain {
			secret, err = s.Box.Decrypt(st.Secret)
			chain = err == nil
		}
		next, err := s.record(ctx, c, a, chain)
		if err != nil {
			s.Log.Error("forwarding: recording an attempt", "delivery", c.deliveryID, "err", err)
			return
		}
		if next == nil {
			return
		}
		c = *next
	}
}

// stopping reports whether Stop was called.
func (s *Service) stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}
