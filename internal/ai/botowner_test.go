package ai

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// One bot answers at a time: while a flow holds the conversation the
// assistant schedules no reply, and a reply already scheduled stays unsent
// when a flow answered the message meanwhile. A pause, by keyword or by
// hand, runs the pause hooks in its transaction with the reason in words.
func TestAssistantYieldsToFlowsAndPausesReachThem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withWhatsApp(t, 2)
		held := map[int64]bool{}
		e.svc.SetFlowOwner(func(_ context.Context, _ store.Querier, convID int64) (bool, error) { return held[convID], nil })
		var paused []string
		e.svc.OnPause(func(_ context.Context, _ store.Tx, convID int64, why string) error {
			paused = append(paused, why)
			return nil
		})

		e.customerWrites(t, "oi")
		conv := e.conversationID(t)
		replies, _, _ := replyJobs(t, e.jobs.take())
		require.Len(t, replies, 1)

		held[conv] = true
		e.customerWrites(t, "Bia")
		require.Empty(t, e.jobs.take(), "a flow waits for the customer: no reply job")

		held[conv] = false
		id := e.customerWrites(t, "e agora?")
		replies, _, _ = replyJobs(t, e.jobs.take())
		require.Len(t, replies, 1)
		e.humanSends(t, "flow:7:ask:1:1") // a flow answered the message
		e.clock.Add(2 * time.Second)
		why, err := e.svc.answer(ctx, replies[0])
		require.NoError(t, err)
		require.Equal(t, quietFlow, why)
		require.Empty(t, e.replies(t))
		require.Equal(t, id, replies[0].MessageID)

		e.customerWrites(t, "parar")
		_, err = e.svc.PauseBot(ctx, conv, 0, "Bruno takes over", "api_key:3")
		require.NoError(t, err)
		require.Equal(t, []string{`the customer asked the bot to stop (stop keyword "parar")`,
			"the bot was paused in this conversation by api_key:3 (Bruno takes over)"}, paused)
		p, reason, err := e.svc.Paused(ctx, db.Read(), conv)
		require.NoError(t, err)
		require.True(t, p)
		require.Contains(t, reason, "Bruno takes over")
	})
}
