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

// While the committer is behind, the dispatcher claims nothing more once
// the outcomes waiting for it reach the cap; the messages it leaves are
// sent, once each, when the committer has caught up.
func TestSendsWaitForTheCommitterToCatchUp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cloud := &scriptedCloud{}
		o := newQueue(t, e, cloud, 3)
		o.SkipSlotWaits(func(int64, time.Time) bool { return true })
		o.SetMaxUnrecorded(4)
		var ids []int64
		for i := range 6 {
			ids = append(ids, e.queueText(t, o, "olá "+string(rune('a'+i))).ID)
		}

		n, record, err := o.Launch(ctx)
		require.NoError(t, err)
		require.Equal(t, 4, n, "up to the cap")
		n, _, err = o.Launch(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "four outcomes wait for the committer: nothing more starts")
		require.Len(t, cloud.callTimes(), 4)

		record()
		n, err = o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, n, "recorded: the rest go")
		for _, id := range ids {
			require.Equal(t, messaging.StatusSent, e.message(t, id).Status)
		}
		require.Len(t, cloud.callTimes(), 6, "each sent once")
	})
}
