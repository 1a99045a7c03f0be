package app

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
)

// setupMetrics hands the metrics what they read at scrape time (the send
// queue, the forwarding backlog, the live streams) and times every write
// transaction. The domain services count their own events through the
// Metrics they were built with.
func (a *App) setupMetrics() {
	store.ObserveTx(a.DB, a.Metrics.TxObserver(string(a.DB.Dialect())))
	a.Metrics.SendQueueSource = func() ([]metrics.SenderQueue, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return a.Outbox.QueueStats(ctx)
	}
	a.Metrics.ForwardPendingSource = func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return a.Forward.Pending(ctx)
	}
	a.Metrics.SendUnrecordedSource = a.Outbox.Unrecorded
	a.Metrics.LiveClientsSource = a.LiveBroker.Subscribers
	a.Metrics.LiveDeliveredSource = a.LiveBroker.DeliveredTotal
	if busy, ok := store.WriterBusy(a.DB); ok {
		a.Metrics.WriterBusySource = busy
	}
}
