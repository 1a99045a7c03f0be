package account

import (
	"context"

	"github.com/riverqueue/river"
)

// WorkCheck runs the sender check job for id as River would, so tests
// drive checks without starting the queue.
func (s *Service) WorkCheck(ctx context.Context, id int64) error {
	w := &checkSenderWorker{s: s}
	return w.Work(ctx, &river.Job[CheckSenderArgs]{Args: CheckSenderArgs{SenderID: id}})
}
