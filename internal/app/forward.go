package app

import (
	"time"

	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/secret"
)

// setupForward builds webhook forwarding and hangs its delivery rows on
// every inbound message. Deliveries go out through the outbound guard,
// so an endpoint on a private or loopback address needs
// ZAPFLOW_OUTBOUND_ALLOW; its dispatcher starts in Run.
func (a *App) setupForward(box *secret.Box) {
	a.Forward = forward.New(forward.Options{
		DB: a.DB, Box: box, Settings: a.Settings, HTTP: a.guard.Client(15 * time.Second), CheckURL: a.guard.CheckURL,
		PublicURL: a.PublicURL(), UserAgent: "zapflow/" + Version, Now: a.now, Log: a.log.With("component", "forward"),
		Metrics: a.Metrics,
	})
	a.Messaging.OnInbound(a.Forward.InboundHook())
}
