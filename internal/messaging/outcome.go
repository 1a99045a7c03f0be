package messaging

import (
	"context"

	"github.com/zapflow/zapflow/internal/store"
)

// SendOutcome is the end of a message's trip through the send pipeline:
// Meta accepted it (sent, with its wamid) or it failed for good.
type SendOutcome struct {
	MessageID      int64
	ConversationID int64
	// Source is the SendRequest's Source (e.g. "flow:<run>:<step>"), so a
	// hook recognises the messages it asked for.
	Source string
	Status string // StatusSent | StatusFailed
	WAMID  string
	Err    *SendError // set when failed
}

// OutcomeHook runs inside the transaction that records a message's
// outcome, so what it writes (a flow run moving on) commits with it.
type OutcomeHook func(ctx context.Context, tx store.Tx, o SendOutcome) error

// OnOutcome registers a hook for every message's final outcome. Register
// hooks before the workers start.
func (o *Outbox) OnOutcome(h OutcomeHook) { o.outcomeHooks = append(o.outcomeHooks, h) }

// OutcomesHook runs once for a batch of outcomes, in the batch's
// transaction, before the outcome hooks, with every outcome of the batch
// they may be called for: a hook can read ahead, in one statement, what
// its outcome hook then reads one outcome at a time (a flow locks its
// runs). It reads and locks only: the outcome hooks do the writing.
type OutcomesHook func(ctx context.Context, tx store.Tx, outs []SendOutcome) error

// BeforeOutcomes registers a batch hook. Register hooks before the
// workers start.
func (o *Outbox) BeforeOutcomes(h OutcomesHook) { o.batchHooks = append(o.batchHooks, h) }

func (o *Outbox) runOutcomeHooks(ctx context.Context, tx store.Tx, out SendOutcome) error {
	for _, h := range o.outcomeHooks {
		if err := h(ctx, tx, out); err != nil {
			return err
		}
	}
	return nil
}

// Attach lets svc report sends it learns were accepted from a status
// webhook (an attempt that was in doubt) to the outbox's outcome hooks.
func (o *Outbox) Attach(svc *Service) {
	svc.onLinked = o.runOutcomeHooks
	o.sentRecorded = svc.kickPending
}
