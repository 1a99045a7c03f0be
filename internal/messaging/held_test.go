package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// heldEnv is a send queue whose account has the "promo" marketing
// template synced.
func heldEnv(t *testing.T, db store.DB) (*env, *messaging.Outbox, *scriptedCloud) {
	t.Helper()
	e := newEnv(t, db)
	cloud := &scriptedCloud{}
	o := newQueue(t, e, cloud, 3)
	_, err := e.accounts.SyncTemplates(context.Background(), e.account.ID)
	require.NoError(t, err)
	return e, o, cloud
}

func (e *env) queueBulk(t *testing.T, o *messaging.Outbox, n int) []int64 {
	t.Helper()
	var ids []int64
	for range n {
		m, err := o.Send(context.Background(), messaging.SendRequest{Type: "template", SenderID: e.sender.ID, To: "+5511988887777",
			Template: &messaging.TemplateRef{Name: "promo", Language: "pt_BR"}, Bulk: true})
		require.NoError(t, err)
		ids = append(ids, m.ID)
	}
	return ids
}

// setQuality makes Meta rate the sender q and reads it, as the check job
// does: only a read changes what the dispatcher holds.
func (e *env) setQuality(t *testing.T, q string) {
	t.Helper()
	e.graph.setQuality(q)
	got, err := e.accounts.CheckSender(context.Background(), e.sender.ID)
	require.NoError(t, err)
	require.Equal(t, q, got.QualityRating)
}

func (e *env) step(t *testing.T, o *messaging.Outbox) int {
	t.Helper()
	n, err := o.Step(context.Background())
	require.NoError(t, err)
	return n
}

func (e *env) requireStatus(t *testing.T, ids []int64, status string) {
	t.Helper()
	for _, id := range ids {
		m := e.message(t, id)
		require.Equal(t, status, m.Status, "message %d", id)
		require.Empty(t, m.ErrorCode, "message %d", id)
	}
}

// F17: bulk messages already queued when the sender's quality is confirmed
// RED are held (neither sent nor failed) while direct ones still go, and
// go out once a read finds the quality recovered. A quality webhook alone
// (a guess) holds nothing.
func TestQueuedBulkIsHeldWhileQualityIsRed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, o, cloud := heldEnv(t, db)

		guessed := e.queueBulk(t, o, 1)
		e.mustProcess(t, whatsapp.Event{Kind: whatsapp.EventQualityUpdate, WABAID: wabaID,
			QualityUpdate: &whatsapp.QualityUpdate{DisplayPhoneNumber: "551140000001", Event: "FLAGGED"}})
		require.Equal(t, 1, e.step(t, o), "a FLAGGED webhook alone pauses nothing")
		e.requireStatus(t, guessed, messaging.StatusSent)

		bulk := e.queueBulk(t, o, 5)
		direct := e.queueText(t, o, "sua consulta é amanhã")
		e.setQuality(t, "RED")
		require.Equal(t, 1, e.step(t, o), "only the direct message goes")
		e.requireStatus(t, []int64{direct.ID}, messaging.StatusSent)
		e.requireStatus(t, bulk, messaging.StatusQueued)

		e.clock.Add(time.Hour)
		require.Zero(t, e.step(t, o), "still held an hour later")
		e.requireStatus(t, bulk, messaging.StatusQueued)
		require.Len(t, cloud.callTimes(), 2)

		e.setQuality(t, "YELLOW")
		require.Equal(t, 5, e.step(t, o), "recovered: all five go")
		e.requireStatus(t, bulk, messaging.StatusSent)
	})
}

// An admin's release sends held bulk messages despite RED; a release when
// nothing is held changes nothing.
func TestReleaseHeldSendsDespiteRed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e, o, _ := heldEnv(t, db)

		n, err := o.ReleaseHeld(ctx, e.sender.ID)
		require.NoError(t, err)
		require.Zero(t, n, "GREEN: nothing is held")

		bulk := e.queueBulk(t, o, 3)
		e.setQuality(t, "RED")
		require.Zero(t, e.step(t, o))
		n, err = o.ReleaseHeld(ctx, e.sender.ID)
		require.NoError(t, err)
		require.Equal(t, 3, n)
		require.Equal(t, 3, e.step(t, o))
		e.requireStatus(t, bulk, messaging.StatusSent)

		_, err = o.ReleaseHeld(ctx, e.sender.ID+100)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}
