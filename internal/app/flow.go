package app

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/flow"
)

// setupFlows builds the flow engine's host and hangs it on the pipeline:
// inbound messages start and resume runs inside the processing
// transaction, send outcomes complete send steps inside the transaction
// that records them, and the wake/http/ai workers join the queue. The
// generate_ai_reply step calls the same assistant code as the API (F7).
// It is set up after the AI service, which it reads the bot's pause from.
func (a *App) setupFlows(workers *river.Workers) {
	a.Flows = flow.NewService(flow.ServiceOptions{
		DB: a.DB, Queue: a.Queue, Outbox: a.Outbox, Templates: a.Accounts,
		HTTP: a.guard.Client(30 * time.Second),
		AI: func(ctx context.Context, assistantID int64, customerID, message string, vars map[string]string) (flow.AIReply, error) {
			r, err := a.AI.Reply(ctx, assistantID, customerID, message, vars)
			return flow.AIReply{Text: r.Reply, ConversationID: r.ConversationID}, err
		},
		BotPaused: a.AI.Paused,
		Leads:     flowLeads{a},
		Now:       a.now, Log: a.log.With("component", "flow"), Metrics: a.Metrics, Writes: a.Writes,
	})
	// One bot at a time: a run waiting for a reply silences the assistant
	// there, and pausing the bot ends such runs.
	a.AI.SetFlowOwner(a.Flows.HoldsConversation)
	a.AI.OnPause(a.Flows.OnBotPaused)
	a.Flows.Register(workers)
	a.Messaging.OnInbound(a.Flows.OnInbound)
	a.Outbox.BeforeOutcomes(a.Flows.BeforeSendOutcomes)
	a.Outbox.OnOutcome(a.Flows.OnSendOutcome)
}

// installExampleFlows adds the example flows (F13) on a sandbox's first
// start.
func (a *App) installExampleFlows(ctx context.Context) error {
	if a.Sandbox == nil {
		return nil
	}
	if _, err := a.Flows.InstallExamples(ctx); err != nil {
		return fmt.Errorf("install the example flows: %w", err)
	}
	return nil
}
