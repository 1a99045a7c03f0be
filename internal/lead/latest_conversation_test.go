package lead_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// TestLeadEventNamesTheChatAReplyJustMovedUp: a lead's live event goes to
// the contact's latest conversation, and a message queued earlier in the
// same transaction makes its conversation the latest, although
// messaging writes that move only at the commit.
func TestLeadEventNamesTheChatAReplyJustMovedUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		other, err := e.accounts.CreateSender(ctx, e.account.ID, account.SenderInput{PhoneNumberID: ptr("106540352240002")})
		require.NoError(t, err)
		const from = "5511988887777"
		require.NoError(t, e.deliver(inbound("wamid.A", from, t0)))
		later := inbound("wamid.B", from, t0.Add(time.Minute))
		later.PhoneNumberID = other.PhoneNumberID
		require.NoError(t, e.deliver(later))
		contact := e.contactOf(t, from)
		var older, latest int64
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT id FROM conversations WHERE contact_id = ? AND sender_id = ?`, contact, e.sender.ID).Scan(&older))
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT id FROM conversations WHERE contact_id = ? AND sender_id = ?`, contact, other.ID).Scan(&latest))

		e.enable(t, lead.AutoSettingsInput{})
		e.clock.Set(t0.Add(time.Hour))
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			if _, err := messaging.InsertOutbound(ctx, tx, older, "text", []byte(`{"body":"olá"}`), "olá", store.Millis(e.clock.Now())); err != nil {
				return err
			}
			_, err := e.leads.Capture(ctx, tx, contact)
			return err
		}))
		var conv int64
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT conversation_id FROM live_events WHERE kind = ? ORDER BY id DESC LIMIT 1`, live.KindLead).Scan(&conv))
		require.NotEqual(t, latest, older)
		require.Equal(t, older, conv)
	})
}
