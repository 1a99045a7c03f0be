package messaging

import "context"

// Step runs one dispatch round without Start and records its outcomes, so
// tests drive the send queue with an injected clock.
func (o *Outbox) Step(ctx context.Context) (int, error) {
	_, n, err := o.dispatchOnce(ctx)
	if err != nil || n == 0 {
		return n, err
	}
	batch := make([]sendResult, 0, n)
	for range n {
		batch = append(batch, <-o.results)
	}
	o.commit(ctx, batch)
	return n, nil
}
