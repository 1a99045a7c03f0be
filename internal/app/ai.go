package app

import (
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// setupAI builds the settings store and the AI service (assistants,
// helpers, the WhatsApp assistant and stop bot) and hangs the assistant on
// every inbound message.
func (a *App) setupAI(box *secret.Box, workers *river.Workers) {
	// Model calls get their timeout from the AI settings through the
	// context; this client only pools connections.
	modelClient := a.guard.Client(0)
	typingClient := a.guard.Client(15 * time.Second)
	a.AI = ai.New(ai.Options{
		DB: a.DB, Box: box, Settings: a.Settings, Model: &ai.OpenAI{HTTP: modelClient}, CheckURL: a.guard.CheckURL,
		Queue: a.Queue, Outbox: a.Outbox, Accounts: a.Accounts,
		TypingFor: func(acc account.Account) ai.TypingClient {
			return whatsapp.NewClient(acc.GraphURL, acc.GraphVersion, typingClient)
		},
		Now: a.now, Log: a.log.With("component", "ai"), Metrics: a.Metrics,
	})
	a.AI.Register(workers)
	a.Messaging.OnInbound(a.AI.InboundHook())
}
