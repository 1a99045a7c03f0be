package sandbox

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// event is one webhook notification waiting for its due time. "messages"
// events carry a message or a status; other fields carry a ready value.
type event struct {
	due   time.Time // real time, for scheduling
	seq   uint64    // tie-break: queue order among events due together
	field string
	time  int64 // entry time (unix seconds) for non-"messages" fields

	meta    whMetadata
	contact *whContact
	message *whMessage
	status  *whStatus
	value   any
}

// eventHeap is a min-heap by (due, seq), so delayed status callbacks come
// out in time order and simultaneous ones in the order they were queued.
type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*event)) }
func (h *eventHeap) Pop() any {
	old := *h
	n := len(old)
	ev := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return ev
}

// queue is the webhook outbox; guarded by Sandbox.mu.
type queue struct {
	h       eventHeap
	seq     uint64
	pending int           // queued + in flight
	idle    chan struct{} // closed whenever pending == 0
	wake    chan struct{} // nudges the delivery loop (buffered 1)
}

func newQueue() queue {
	idle := make(chan struct{})
	close(idle)
	return queue{idle: idle, wake: make(chan struct{}, 1)}
}

// enqueueLocked schedules ev after delay. Callers hold s.mu.
func (s *Sandbox) enqueueLocked(ev *event, delay time.Duration) {
	s.enqueueAtLocked(ev, time.Now().Add(max(delay, 0)))
}

// enqueueAtLocked schedules ev at due. Events meant to go together take
// one due time: read from the clock for each, the delivery loop could
// find the first due and the next a microsecond short of it, and post
// them apart.
func (s *Sandbox) enqueueAtLocked(ev *event, due time.Time) {
	ev.due = due
	s.q.seq++
	ev.seq = s.q.seq
	heap.Push(&s.q.h, ev)
	if s.q.pending == 0 {
		s.q.idle = make(chan struct{})
	}
	s.q.pending++
	select {
	case s.q.wake <- struct{}{}:
	default:
	}
}

// nextBatch pops up to defaultBatchSize events due at now. With none due it
// returns how long until the next one, or -1 if the queue is empty.
func (s *Sandbox) nextBatch(now time.Time) ([]*event, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.q.h.Len() == 0 {
		return nil, -1
	}
	if head := s.q.h[0]; head.due.After(now) {
		return nil, head.due.Sub(now)
	}
	var batch []*event
	for s.q.h.Len() > 0 && !s.q.h[0].due.After(now) && len(batch) < defaultBatchSize {
		batch = append(batch, heap.Pop(&s.q.h).(*event))
	}
	return batch, 0
}

// finish marks n in-flight events as done (delivered or given up).
func (s *Sandbox) finish(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.q.pending -= n
	if s.q.pending == 0 {
		close(s.q.idle)
	}
}

// WaitIdle blocks until every queued webhook, including status callbacks
// scheduled for later, has been delivered or given up, or ctx ends. It only
// makes progress while Start is running.
func (s *Sandbox) WaitIdle(ctx context.Context) error {
	s.mu.Lock()
	idle := s.q.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliveryLoop delivers due batches one at a time, in queue order.
func (s *Sandbox) deliveryLoop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		batch, wait := s.nextBatch(time.Now())
		if batch != nil {
			s.deliver(ctx, batch)
			s.finish(len(batch))
			if ctx.Err() != nil {
				return
			}
			continue
		}
		var timeout <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			timeout = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-s.q.wake:
		case <-timeout:
		}
		timer.Stop()
	}
}

// maxWebhookBody is Meta's documented ceiling for one webhook POST (3 MB):
// a batch of long messages that would pass it goes out in halves.
const maxWebhookBody = 3 << 20

// deliver POSTs one batch, retrying with exponential backoff on any non-200
// answer or network error, as Meta does (compressed schedule).
func (s *Sandbox) deliver(ctx context.Context, batch []*event) {
	body, err := asciiJSON(s.buildPayload(batch))
	if err != nil {
		s.log.Error("sandbox: encoding webhook", "error", err)
		return
	}
	if len(body) > maxWebhookBody && len(batch) > 1 {
		s.deliver(ctx, batch[:len(batch)/2])
		s.deliver(ctx, batch[len(batch)/2:])
		return
	}
	s.mu.Lock()
	url := s.webhookURL
	dup := s.dupNext > 0
	if dup && url != "" {
		s.dupNext--
	}
	s.mu.Unlock()
	if url == "" {
		s.log.Warn("sandbox: no webhook URL set; dropping webhook", "events", len(batch))
		return
	}
	sig := signature(s.cfg.AppSecret, body)
	backoff := s.cfg.RetryInitial
	for attempt := 1; ; attempt++ {
		err := s.post(ctx, url, body, sig)
		if err == nil {
			if dup {
				_ = s.post(ctx, url, body, sig) // Meta may deliver the same notification twice
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		if attempt >= s.cfg.MaxAttempts {
			s.log.Error("sandbox: webhook delivery gave up", "url", url, "attempts", attempt, "error", err)
			return
		}
		s.log.Warn("sandbox: webhook delivery failed; retrying", "url", url, "attempt", attempt, "retry_in", backoff, "error", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, s.cfg.RetryMax)
	}
}

func (s *Sandbox) post(ctx context.Context, url string, body []byte, sig string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	req.Header.Set("User-Agent", "facebookexternalua")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
