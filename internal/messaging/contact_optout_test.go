package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A customer's opt-out keyword is a line of the contact's opt-out history
// (source keyword, no user, what they sent); a second keyword changes
// nothing and adds no line. An opt-in through the API is recorded too.
func TestKeywordOptOutIsRecorded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.svc.OnInbound(e.svc.OptOutHook())
		e.mustProcess(t, text(e.sender, "wamid.1", "5511988887777", "Ana", t0, "Sair."))
		e.mustProcess(t, text(e.sender, "wamid.2", "5511988887777", "Ana", t0.Add(time.Second), "STOP"))
		contacts := contact.New(db, e.clock.Now)
		p, err := contacts.List(ctx, contact.Filter{Phone: "+5511988887777"})
		require.NoError(t, err)
		require.Len(t, p.Contacts, 1)
		k := p.Contacts[0]
		require.True(t, k.OptedOut)
		h, err := contacts.OptOutHistory(ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, []contact.OptOutChange{{ID: h[0].ID, ContactID: k.ID, Before: false, After: true, Source: "keyword",
			Detail: "Sair.", CreatedAt: e.clock.Now()}}, h)

		_, err = e.svc.SetOptOut(ctx, k.ID, false)
		require.NoError(t, err)
		h, err = contacts.OptOutHistory(ctx, k.ID)
		require.NoError(t, err)
		require.Len(t, h, 2)
		require.Equal(t, "api", h[0].Source)
		require.False(t, h[0].After)
	})
}

// The inbox calls a contact by the team's name once it has one (the
// WhatsApp profile name until then), and its search finds them by it, by
// a short and a long text (SQLite's trigram index and the plain scan).
func TestInboxShowsTheTeamsName(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.mustProcess(t, text(e.sender, "wamid.1", "5511988887777", "Ana", t0, "Oi"))
		conv := e.onlyConversation(t)
		require.Equal(t, "Ana", conv.ContactName)

		contacts := contact.New(db, e.clock.Now)
		_, err := contacts.Update(ctx, conv.ContactID, contact.Input{Name: ptr("Zuleica Prado")}, contact.Actor{Source: contact.SourceAPI})
		require.NoError(t, err)
		require.Equal(t, "Zuleica Prado", e.onlyConversation(t).ContactName)
		for _, q := range []string{"zuleica", "Zu", "ana"} {
			items, err := e.svc.Inbox(ctx, messaging.InboxFilter{Query: q})
			require.NoError(t, err)
			require.Len(t, items, 1, q)
			require.Equal(t, "Zuleica Prado", items[0].ContactName)
		}
	})
}
