package messaging_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A send's recipient_name names a contact that has no name yet, and never
// renames one that has.
func TestSendRecipientNameOnlyFillsAnEmptyName(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		_, err := e.accounts.SyncTemplates(ctx, e.account.ID)
		require.NoError(t, err)
		o := messaging.NewOutbox(messaging.OutboxOptions{
			DB: db, Accounts: e.accounts,
			Limiter:  ratelimit.New(ratelimit.Options{PairRate: ratelimit.NoPairLimit}),
			CloudFor: func(account.Account) messaging.CloudAPI { return &instantCloud{} },
			Now:      e.clock.Now,
		})
		send := func(to, name string) {
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
				_, err := o.SendTx(ctx, tx, messaging.SendRequest{Type: "template", SenderID: e.sender.ID, To: to, RecipientName: name,
					Template: &messaging.TemplateRef{Name: "promo", Language: "pt_BR"}})
				return err
			}))
		}
		nameOf := func(phone string) string {
			var n string
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT profile_name FROM contacts WHERE phone = ?`, phone).Scan(&n))
			return n
		}
		send("+5511999990001", "Ana")
		require.Equal(t, "Ana", nameOf("+5511999990001"), "a new contact takes the name")
		send("+5511999990001", "Bia")
		require.Equal(t, "Ana", nameOf("+5511999990001"), "a named contact keeps its name")
	})
}
