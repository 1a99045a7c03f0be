package live

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Broker is the one reader of the event table per process: woken after a
// local commit, by a PostgreSQL NOTIFY from another instance, or by a slow
// safety poll, it reads the events after the last one it saw and hands
// each to every subscribed stream. Streams hold no database connection
// while they wait; however many browsers are connected, the table is read
// once per wake-up.
type Broker struct {
	hub  *Hub
	log  *slog.Logger
	opts BrokerOptions

	mu     sync.Mutex
	subs   map[*Sub]struct{}
	closed bool

	last Cursor // the newest event handed out

	cancel context.CancelFunc
	done   chan struct{}
}

// BrokerOptions tune a Broker; zero values take the defaults.
type BrokerOptions struct {
	Poll      time.Duration // safety poll when no wake-up comes (2 s)
	Keep      time.Duration // events older than this are deleted (24 h)
	Sweep     time.Duration // how often old events are deleted (10 min)
	Retry     time.Duration // first re-read while events wait for an older transaction (10 ms, doubling up to Poll)
	SubBuffer int           // events a stream may fall behind before it is closed (256)
}

// Sub is one stream's subscription. C carries events in the order the
// broker read them; Done closes when the stream fell too far behind or
// the broker stopped: the stream then ends and the browser reconnects with
// its last id, losing nothing.
type Sub struct {
	C    chan Event
	Done chan struct{}
	once sync.Once
}

func (s *Sub) drop() { s.once.Do(func() { close(s.Done) }) }

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
	if opts.SubBuffer <= 0 {
		opts.SubBuffer = 256
	}
	if log == nil {
		log = slog.Default()
	}
	return &Broker{hub: hub, log: log, opts: opts, subs: map[*Sub]struct{}{},
		done: make(chan struct{})}
}

// Subscribe adds a stream. Call Unsubscribe when it ends.
func (b *Broker) Subscribe() *Sub {
	s := &Sub{C: make(chan Event, b.opts.SubBuffer), Done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.drop()
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// Unsubscribe removes a stream.
func (b *Broker) Unsubscribe(s *Sub) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
	s.drop()
}

// Subscribers is how many streams are open (for tests and metrics).
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
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
	for s := range b.subs {
		s.drop()
	}
	b.subs = map[*Sub]struct{}{}
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

func (b *Broker) warn(ctx context.Context, err error) {
	if ctx.Err() == nil {
		b.log.Warn("live: reading events", "err", err)
	}
}

// publish hands evs to every stream; a stream whose buffer is full is
// dropped rather than slowing the others.
func (b *Broker) publish(evs []Event) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
	events:
		for _, ev := range evs {
			select {
			case s.C <- ev:
			default:
				delete(b.subs, s)
				s.drop()
				break events
			}
		}
	}
}
