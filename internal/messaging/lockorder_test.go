package messaging_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// On PostgreSQL an intake lane locks the messages its status events name
// (by wamid or by our id in biz_opaque_callback_data) before it applies
// any: another transaction cannot take them meanwhile, and messages no
// event names stay free.
func TestLockStatusTargetsLocksTheNamedMessages(t *testing.T) {
	if os.Getenv(storetest.PostgresURLEnv) == "" {
		t.Skip(storetest.PostgresURLEnv + " not set: the lock order is PostgreSQL's (SQLite has one writer)")
	}
	db := storetest.New(t, store.Postgres)
	e := newEnv(t, db)
	ctx := context.Background()
	now := e.clock.Now()
	e.mustProcess(t, text(e.sender, "wamid.in1", "5511988887777", "Ana", now, "oi"))
	conv := e.onlyConversation(t)
	byWAMID := e.outbound(t, conv.ID, "wamid.out1", now)
	byOpaque := e.outbound(t, conv.ID, "wamid.out2", now)
	free := e.outbound(t, conv.ID, "wamid.out3", now)

	opaque := status("wamid.unknown", "delivered", now.Add(time.Second))
	opaque.Status.BizOpaqueCallbackData = "zf:" + strconv.FormatInt(byOpaque, 10)
	locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, func(tx store.Tx) error {
			err := e.svc.LockStatusTargets(ctx, tx, []whatsapp.Event{status("wamid.out1", "read", now.Add(time.Second)), opaque})
			close(locked)
			<-release
			return err
		})
	}()
	<-locked
	tryLock := func(id int64) error {
		return db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `SELECT id FROM messages WHERE id = ? FOR UPDATE NOWAIT`, id)
			return err
		})
	}
	require.Error(t, tryLock(byWAMID), "named by wamid: locked")
	require.Error(t, tryLock(byOpaque), "named by our id: locked")
	require.NoError(t, tryLock(free), "named by no event: free")
	close(release)
	require.NoError(t, <-done)
	require.NoError(t, tryLock(byWAMID), "free again after the commit")
}
