package messaging

import (
	"context"
	"sync"
)

// waiters lets an API call with "wait": true learn when the first send
// attempt of its message finished, without polling the database.
type waiters struct {
	mu sync.Mutex
	m  map[int64][]chan struct{}
}

func newWaiters() *waiters { return &waiters{m: map[int64][]chan struct{}{}} }

func (w *waiters) add(id int64) chan struct{} {
	ch := make(chan struct{})
	w.mu.Lock()
	w.m[id] = append(w.m[id], ch)
	w.mu.Unlock()
	return ch
}

func (w *waiters) remove(id int64, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	list := w.m[id]
	for i, c := range list {
		if c == ch {
			w.m[id] = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(w.m[id]) == 0 {
		delete(w.m, id)
	}
}

func (w *waiters) notify(id int64) {
	w.mu.Lock()
	list := w.m[id]
	delete(w.m, id)
	w.mu.Unlock()
	for _, ch := range list {
		close(ch)
	}
}

// Wait blocks until the message's first attempt finished on this instance
// or ctx ends, then returns the message as stored. (A send worked by
// another instance is seen when ctx ends.)
func (o *Outbox) Wait(ctx context.Context, messageID int64, svc *Service) (Message, error) {
	ch := o.waiters.add(messageID)
	defer o.waiters.remove(messageID, ch)
	if m, err := svc.Message(ctx, messageID); err != nil || m.Status != StatusQueued || m.ErrorCode != "" {
		return m, err
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
	return svc.Message(context.WithoutCancel(ctx), messageID)
}
