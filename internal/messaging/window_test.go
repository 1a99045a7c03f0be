package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func TestCustomerServiceWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.mustProcess(t, text(e.sender, "wamid.A", "5511988887777", "Ana", t0, "oi"))
		c := e.onlyConversation(t)
		require.Equal(t, t0.Add(24*time.Hour), c.WindowExpiresAt)
		require.Equal(t, 24*time.Hour, messaging.Window)

		windowOpenAt := func(now time.Time) bool {
			t.Helper()
			e.clock.Set(now)
			c, err := e.svc.Conversation(ctx, c.ID)
			require.NoError(t, err)
			return c.WindowOpen
		}
		require.True(t, windowOpenAt(t0.Add(time.Hour)))
		require.True(t, windowOpenAt(t0.Add(24*time.Hour-time.Millisecond)))
		require.False(t, windowOpenAt(t0.Add(24*time.Hour)), "closes exactly 24h after the message")
		require.False(t, windowOpenAt(t0.Add(30*time.Hour)))

		// A later message extends the window from its own timestamp.
		e.clock.Set(t0.Add(2*time.Hour + time.Minute))
		e.mustProcess(t, text(e.sender, "wamid.B", "5511988887777", "Ana", t0.Add(2*time.Hour), "ainda aí?"))
		c = e.onlyConversation(t)
		require.Equal(t, t0.Add(26*time.Hour), c.WindowExpiresAt)
		require.Equal(t, t0.Add(2*time.Hour), c.LastInboundAt)
		require.Equal(t, t0.Add(2*time.Hour), c.LastMessageAt)
		require.True(t, windowOpenAt(t0.Add(25*time.Hour)))

		// A redelivered older message (new wamid) never shortens it.
		e.clock.Set(t0.Add(3 * time.Hour))
		e.mustProcess(t, text(e.sender, "wamid.OLD", "5511988887777", "Ana", t0.Add(-time.Hour), "mensagem atrasada"))
		c = e.onlyConversation(t)
		require.Equal(t, t0.Add(26*time.Hour), c.WindowExpiresAt)
		require.Equal(t, t0.Add(2*time.Hour), c.LastInboundAt)
		require.Equal(t, t0.Add(2*time.Hour), c.LastMessageAt)
		require.Len(t, e.inbound, 3, "the late message is still new to us")

		// Messages come back in chronological order, the late one first.
		msgs := e.messages(t, c.ID)
		got := []string{}
		for _, m := range msgs {
			got = append(got, m.WAMID)
		}
		require.Equal(t, []string{"wamid.OLD", "wamid.A", "wamid.B"}, got)
		// With a limit, the latest ones, still oldest first.
		latest, err := e.svc.Messages(ctx, c.ID, 2)
		require.NoError(t, err)
		require.Len(t, latest, 2)
		require.Equal(t, "wamid.A", latest[0].WAMID)
		require.Equal(t, "wamid.B", latest[1].WAMID)

		// Outbound messages move last_message_at but never the window.
		e.clock.Set(t0.Add(4 * time.Hour))
		e.outbound(t, c.ID, "wamid.OUT", t0.Add(4*time.Hour))
		c = e.onlyConversation(t)
		require.Equal(t, t0.Add(4*time.Hour), c.LastMessageAt)
		require.Equal(t, t0.Add(2*time.Hour), c.LastInboundAt)
		require.Equal(t, t0.Add(26*time.Hour), c.WindowExpiresAt)
		msgs = e.messages(t, c.ID)
		require.Len(t, msgs, 4)
		require.Equal(t, messaging.Outbound, msgs[3].Direction)
	})
}
