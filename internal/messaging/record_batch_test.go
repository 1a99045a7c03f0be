package messaging_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// opaqueCloud is scriptedCloud that keeps each send's
// biz_opaque_callback_data by the wamid it answered with.
type opaqueCloud struct {
	*scriptedCloud
	mu      sync.Mutex
	opaques map[string]string
}

func (c *opaqueCloud) SendMessage(ctx context.Context, token, phoneID string, payload any) (whatsapp.SendResult, error) {
	res, err := c.scriptedCloud.SendMessage(ctx, token, phoneID, payload)
	opaque, _ := payload.(map[string]any)["biz_opaque_callback_data"].(string)
	c.mu.Lock()
	c.opaques[res.WAMID] = opaque
	c.mu.Unlock()
	return res, err
}

// The sends of a batch that Meta accepted are recorded with one UPDATE,
// not one each (on PostgreSQL each statement is a round trip). A send
// whose "sent" webhook linked it before the batch (it echoes our id) is
// left as the webhook recorded it, and its outcome is reported once. The
// batch hook hears, before any outcome hook, of the outcomes the batch
// reports.
func TestSendBatchRecordsItsWAMIDsInOneStatement(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		o := newQueue(t, e, &scriptedCloud{}, 3)
		cloud := &opaqueCloud{scriptedCloud: &scriptedCloud{clock: e.clock}, opaques: map[string]string{}}
		o.CloudFor = func(account.Account) messaging.CloudAPI { return cloud }
		rec := storetest.Recording(db)
		o.DB = rec
		o.Attach(e.svc)
		reported := map[int64]int{}
		o.OnOutcome(func(_ context.Context, _ store.Tx, out messaging.SendOutcome) error {
			reported[out.MessageID]++
			return nil
		})
		var ahead []int64 // what the batch hook was told, and when
		o.BeforeOutcomes(func(_ context.Context, _ store.Tx, outs []messaging.SendOutcome) error {
			require.Len(t, reported, 1, "the batch hook runs before the batch's outcome hooks")
			for _, out := range outs {
				require.Equal(t, messaging.StatusSent, out.Status)
				ahead = append(ahead, out.MessageID)
			}
			return nil
		})
		var ids []int64
		for _, body := range []string{"um", "dois", "três", "quatro"} {
			ids = append(ids, e.queueText(t, o, body).ID)
		}
		n, record, err := o.Launch(ctx)
		require.NoError(t, err)
		require.Equal(t, 4, n)

		// The webhook of one send comes first and links it.
		ev := status("wamid.ok3", "sent", e.clock.Now())
		ev.Status.BizOpaqueCallbackData = cloud.opaques["wamid.ok3"]
		require.NotEmpty(t, ev.Status.BizOpaqueCallbackData)
		e.mustProcess(t, ev)
		require.Len(t, reported, 1, "the webhook reported the send it linked")

		rec.Take()
		record()
		var updates int
		for _, q := range rec.Take() {
			if strings.Contains(q, "UPDATE messages SET wamid") {
				updates++
			}
		}
		require.Equal(t, 1, updates, "one statement records the batch (4 rows: one chunk)")

		wamids := map[string]bool{}
		for _, id := range ids {
			m := e.message(t, id)
			require.Equal(t, messaging.StatusSent, m.Status)
			require.True(t, strings.HasPrefix(m.WAMID, "wamid.ok"), m.WAMID)
			wamids[m.WAMID] = true
			require.Equal(t, 1, reported[id], "message %d's outcome reported once", id)
		}
		require.Len(t, wamids, 4, "each message has its own send's wamid")
		require.Len(t, reported, 4)
		linked := e.messageByWAMID(t, "wamid.ok3").ID
		var want []int64
		for _, id := range ids {
			if id != linked {
				want = append(want, id)
			}
		}
		require.ElementsMatch(t, want, ahead, "the batch hook is told of the sends this batch reports, not the linked one")
	})
}

// The batch hook hears of a batch's final failures too, with their
// error, before any outcome hook: a permanent error is final, a transient
// one that will be retried is not an outcome yet.
func TestSendBatchHookHearsOfFinalFailures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cloud := &scriptedCloud{errs: []error{metaErr(131026), metaErr(131000)}}
		o := newQueue(t, e, cloud, 3)
		reported := map[int64]string{}
		o.OnOutcome(func(_ context.Context, _ store.Tx, out messaging.SendOutcome) error {
			reported[out.MessageID] = out.Status
			return nil
		})
		ahead := map[int64]string{}
		var reportedBefore int
		var failCodes []string
		o.BeforeOutcomes(func(_ context.Context, _ store.Tx, outs []messaging.SendOutcome) error {
			reportedBefore = len(reported)
			for _, out := range outs {
				ahead[out.MessageID] = out.Status
				if out.Status == messaging.StatusFailed {
					code := "(no error)"
					if out.Err != nil {
						code = out.Err.Code
					}
					failCodes = append(failCodes, code)
				}
			}
			return nil
		})
		for _, body := range []string{"um", "dois", "três", "quatro"} {
			e.queueText(t, o, body)
		}
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 4, n)

		want := map[int64]string{}
		var retrying int
		rows, err := db.Read().Query(ctx, `SELECT id, status FROM messages WHERE direction = 'out'`)
		require.NoError(t, err)
		for rows.Next() {
			var id int64
			var st string
			require.NoError(t, rows.Scan(&id, &st))
			if st == messaging.StatusQueued {
				retrying++
				continue
			}
			want[id] = st
		}
		rows.Close()
		require.Equal(t, 1, retrying, "the transient failure waits for its retry")
		var failed int
		for _, st := range want {
			if st == messaging.StatusFailed {
				failed++
			}
		}
		require.Equal(t, [2]int{3, 1}, [2]int{len(want), failed}, "two sent, one failed for good: %v", want)
		require.Zero(t, reportedBefore, "the batch hook runs before the batch's outcome hooks")
		require.Equal(t, []string{"invalid_phone"}, failCodes, "a failure comes with its error")
		require.Equal(t, want, ahead, "two sent and the permanent failure, not the retrying one")
		require.Equal(t, want, reported, "the outcome hooks report the same three")
	})
}
