package live

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Broker is the one reader of the event table per process: woken after a
// local commit, by a PostgreSQL NOTIFY from another instance, or by a slow
// safety poll, it reads the events after the last one it saw and puts
// them in a ring of recent events that every stream reads from. Streams
// hold no database connection and no buffer of their own while they wait;
// however many browsers are connected, the table is read once per wake-up.
type Broker struct {
	hub  *Hub
	log  *slog.Logger
	opts BrokerOptions

	mu      sync.Mutex
	ring    []Event       // the latest events: event number n is ring[n % len(ring)]
	seq     uint64        // events published so far
	changed chan struct{} // closed (and replaced) when events are published
	subs    int
	closed  bool
	stopped chan struct{} // closed by Stop: every stream ends

	last Cursor // the newest event read

	delivered atomic.Uint64 // events written to streams (Delivered)

	cancel context.CancelFunc
	done   chan struct{}
}

// BrokerOptions tune a Broker; zero values take the defaults.
type BrokerOptions struct {
	Poll  time.Duration // safety poll when no wake-up comes (2 s)
	Keep  time.Duration // events older than this are deleted (24 h)
	Sweep time.Duration // how often old events are deleted (10 min)
	Retry time.Duration // first re-read while events wait for an older transaction (10 ms, doubling up to Poll)
	// Ring is how many recent events streams can read; a stream further
	// behind is closed and its browser resumes from the database (4096).
	Ring int
}

// Sub is one stream's place in the broker's ring.
type Sub struct {
	b    *Broker
	next uint64
}

// NewBroker builds the broker of hub.
func NewBroker(hub *Hub, log *slog.Logger, opts BrokerOptions) *Broker {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Keep <= 0 {
		opts.Keep = 24 * time.Hour
	}
	if opts.Sweep <= 0 {
		opts.Sweep = 10 * time.Minute
	}
	if opts.Retry <= 0 {
		opts.Retry = 10 * time.Millisecond
	}
	if opts.Ring <= 0 {
		opts.Ring = 4096
	}
	if log == nil {
		log = slog.Default()
	}
	return &Broker{hub: hub, log: log, opts: opts, ring: make([]Event, opts.Ring), changed: make(chan struct{}),
		stopped: make(chan struct{}), done: make(chan struct{})}
}

// Subscribe adds a stream: it reads the events published from now on.
// Call Unsubscribe when it ends.
func (b *Broker) Subscribe() *Sub {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs++
	return &Sub{b: b, next: b.seq}
}

// Unsubscribe removes a stream.
func (b *Broker) Unsubscribe(*Sub) {
	b.mu.Lock()
	b.subs--
	b.mu.Unlock()
}

// Subscribers is how many streams are open (for tests and metrics).
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.subs
}

// Delivered counts an event a stream wrote to its browser.
func (b *Broker) Delivered() { b.delivered.Add(1) }

// DeliveredTotal is how many events streams wrote (for metrics).
func (b *Broker) DeliveredTotal() uint64 { return b.delivered.Load() }

// Stopped is closed when the broker stops (graceful shutdown): streams end.
func (b *Broker) Stopped() <-chan struct{} { return b.stopped }

// Take appends to buf the events published since the last Take, in
// order. When there are none, wait is closed once there are. lagged says
// the stream fell so far behind that the ring no longer holds what it
// missed: it should end, and its browser resume from the database.
func (s *Sub) Take(buf []Event) (evs []Event, wait <-chan struct{}, lagged bool) {
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seq-s.next > uint64(len(b.ring)) {
		return buf, nil, true
	}
	for ; s.next < b.seq; s.next++ {
		buf = append(buf, b.ring[s.next%uint64(len(b.ring))])
	}
	return buf, b.changed, false
}

// Start begins following the event table from its newest event; the
// broker runs until Stop or until ctx ends.
func (b *Broker) Start(ctx context.Context) error {
	last, err := end(ctx, b.hub.db)
	if err != nil {
		return err
	}
	b.last = last
	ctx, b.cancel = context.WithCancel(ctx)
	go func() {
		defer close(b.done)
		var wg sync.WaitGroup
		if l := newListener(b.hub, b.log); l != nil {
			wg.Add(1)
			go func() { defer wg.Done(); l.run(ctx) }()
		}
		b.loop(ctx)
		wg.Wait()
	}()
	return nil
}

// Stop ends the broker and closes every stream (graceful shutdown).
func (b *Broker) Stop() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	close(b.stopped)
	b.mu.Unlock()
	if b.cancel != nil {
		b.cancel()
		<-b.done
	}
}

func (b *Broker) loop(ctx context.Context) {
	poll := time.NewTicker(b.opts.Poll)
	defer poll.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	wait := b.opts.Retry
	nextSweep := b.hub.now()
	for {
		if b.read(ctx) {
			// Committed events wait behind a transaction still running:
			// look again soon (it may append nothing and so wake no one).
			retry.Reset(wait)
			wait = min(2*wait, b.opts.Poll)
		} else {
			wait = b.opts.Retry
		}
		if now := b.hub.now(); !now.Before(nextSweep) {
			if err := sweep(ctx, b.hub.db, now.Add(-b.opts.Keep)); err != nil && ctx.Err() == nil {
				b.log.Warn("live: deleting old events", "err", err)
			}
			nextSweep = now.Add(b.opts.Sweep)
		}
		select {
		case <-ctx.Done():
			return
		case <-b.hub.wake:
		case <-poll.C:
		case <-retry.C:
		}
	}
}

// read hands out, in order, every event committed since the last read
// that nothing can overtake any more. blocked says newer events wait for
// an older transaction to end.
func (b *Broker) read(ctx context.Context) (blocked bool) {
	if b.Subscribers() == 0 && b.skipToEnd(ctx) {
		return false
	}
	for {
		evs, full, blocked, err := readAfter(ctx, b.hub.db, b.last, maxBatch)
		if err != nil {
			b.warn(ctx, err)
			return false
		}
		if len(evs) > 0 {
			b.last = At(evs[len(evs)-1])
		}
		b.publish(evs)
		if !full {
			return blocked
		}
	}
}

// skipToEnd moves the cursor to the newest event without reading the
// events in between, when no stream is open: nobody would get them, and
// under a webhook burst reading and copying every event into the ring cost
// about an eighth of the server's CPU. The end is read before checking
// again that nobody subscribed: a stream that subscribes after that check
// reads its backlog from the database after the end was read, so it misses
// nothing; one that subscribed before it makes this a normal read. It
// reports whether it skipped.
func (b *Broker) skipToEnd(ctx context.Context) bool {
	c, err := end(ctx, b.hub.db)
	if err != nil {
		b.warn(ctx, err)
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs > 0 {
		return false
	}
	if c.Tx > b.last.Tx || (c.Tx == b.last.Tx && c.ID > b.last.ID) {
		b.last = c
	}
	return true
}

func (b *Broker) warn(ctx context.Context, err error) {
	if ctx.Err() == nil {
		b.log.Warn("live: reading events", "err", err)
	}
}

// publish puts evs in the ring and wakes every stream.
func (b *Broker) publish(evs []Event) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ev := range evs {
		b.ring[b.seq%uint64(len(b.ring))] = ev
		b.seq++
	}
	close(b.changed)
	b.changed = make(chan struct{})
}
