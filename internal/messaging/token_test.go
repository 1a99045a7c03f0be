package messaging_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// A send Meta refuses with 190 (expired token) fails the message and marks
// the account's credentials, once, with one notification; the sender stays
// CONNECTED (it used to be marked DISCONNECTED, sending the team to the
// number instead of the token).
func TestSendWithARefusedTokenMarksTheAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		expired := &whatsapp.APIError{HTTPStatus: 401, Code: 190, Subcode: 463, Title: "Error validating access token: Session has expired"}
		o := newQueue(t, e, &scriptedCloud{errs: []error{expired, expired}}, 3)
		first := e.queueText(t, o, "um")
		second := e.queueText(t, o, "dois")
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, n)

		for _, id := range []int64{first.ID, second.ID} {
			m := e.message(t, id)
			require.Equal(t, messaging.StatusFailed, m.Status)
			require.Equal(t, "sender_offline", m.ErrorCode)
			require.Contains(t, m.ErrorMessage, "new access token")
		}
		sn, err := e.accounts.Sender(ctx, e.sender.ID)
		require.NoError(t, err)
		require.Equal(t, "CONNECTED", sn.Status)
		require.True(t, sn.Online)
		acc, err := e.accounts.Account(ctx, e.account.ID)
		require.NoError(t, err)
		require.Contains(t, acc.CredentialsError, "Session has expired")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, notify.KindCredentials))
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, notify.KindSenderOffline))
	})
}
