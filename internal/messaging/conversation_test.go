package messaging_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func convIDs(p messaging.ConversationPage) []int64 {
	out := []int64{}
	for _, c := range p.Conversations {
		out = append(out, c.ID)
	}
	return out
}

func TestConversationsListing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		other := e.addSender(t, "106540352240002")
		// c1: sender 1, Ana, long ago (window closed); c2: sender 1, Bia,
		// an hour ago; c3: sender 2, Ana, now.
		e.mustProcess(t, text(e.sender, "wamid.1", "5511988887777", "Ana", t0.Add(-30*time.Hour), "oi"))
		e.mustProcess(t, text(e.sender, "wamid.2", "5511977776666", "Bia", t0.Add(-time.Hour), "olá"))
		e.mustProcess(t, text(other, "wamid.3", "5511988887777", "Ana", t0, "oi de novo"))
		require.Len(t, e.inbound, 3)
		c1, c2, c3 := e.inbound[0].ConversationID, e.inbound[1].ConversationID, e.inbound[2].ConversationID
		e.clock.Set(t0.Add(time.Minute))

		list := func(f messaging.ConversationFilter) messaging.ConversationPage {
			t.Helper()
			p, err := e.svc.Conversations(ctx, f)
			require.NoError(t, err)
			return p
		}
		all := list(messaging.ConversationFilter{})
		require.Equal(t, []int64{c3, c2, c1}, convIDs(all), "latest message first")
		require.Equal(t, "", all.NextCursor)
		require.Equal(t, []bool{true, true, false}, []bool{all.Conversations[0].WindowOpen, all.Conversations[1].WindowOpen, all.Conversations[2].WindowOpen})

		require.Equal(t, []int64{c2, c1}, convIDs(list(messaging.ConversationFilter{SenderID: e.sender.ID})))
		require.Equal(t, []int64{c3}, convIDs(list(messaging.ConversationFilter{SenderID: other.ID})))
		require.Equal(t, []int64{c3, c1}, convIDs(list(messaging.ConversationFilter{Phone: "+5511988887777"})))
		require.Equal(t, []int64{c2}, convIDs(list(messaging.ConversationFilter{Phone: "+5511977776666"})))
		require.Equal(t, []int64{}, convIDs(list(messaging.ConversationFilter{Phone: "+5511900000000"})))
		require.Equal(t, []int64{c3, c1}, convIDs(list(messaging.ConversationFilter{ContactID: e.inbound[0].ContactID})))
		require.Equal(t, []int64{c3, c2}, convIDs(list(messaging.ConversationFilter{WindowOpen: ptr(true)})))
		require.Equal(t, []int64{c1}, convIDs(list(messaging.ConversationFilter{WindowOpen: ptr(false)})))
		require.Equal(t, []int64{c2}, convIDs(list(messaging.ConversationFilter{SenderID: e.sender.ID, WindowOpen: ptr(true)})))

		// Time passes: c2's window closes too.
		e.clock.Set(t0.Add(23 * time.Hour))
		require.Equal(t, []int64{c3}, convIDs(list(messaging.ConversationFilter{WindowOpen: ptr(true)})))
		require.Equal(t, []int64{c2, c1}, convIDs(list(messaging.ConversationFilter{WindowOpen: ptr(false)})))

		// Paging.
		p1 := list(messaging.ConversationFilter{Limit: 2})
		require.Equal(t, []int64{c3, c2}, convIDs(p1))
		require.Equal(t, strconv.FormatInt(store.Millis(t0.Add(-time.Hour)), 10)+"."+strconv.FormatInt(c2, 10), p1.NextCursor)
		p2 := list(messaging.ConversationFilter{Limit: 2, Cursor: p1.NextCursor})
		require.Equal(t, []int64{c1}, convIDs(p2))
		require.Equal(t, "", p2.NextCursor)

		// One at a time, with a filter: every conversation exactly once.
		seen := []int64{}
		cursor := ""
		for range 10 {
			p := list(messaging.ConversationFilter{Limit: 1, Cursor: cursor, Phone: "+5511988887777"})
			seen = append(seen, convIDs(p)...)
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		require.Equal(t, []int64{c3, c1}, seen)

		for _, bad := range []string{"garbage", "12", "abc.1", "1.x", "."} {
			_, err := e.svc.Conversations(ctx, messaging.ConversationFilter{Cursor: bad})
			apperrtest.Require(t, err, apperr.KindInvalid, "invalid_cursor", "cursor")
		}

		_, err := e.svc.Conversation(ctx, 987654)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func TestConversationsPagingBreaksTiesByID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		// Three customers writing in the same millisecond.
		for i, from := range []string{"5511911110001", "5511911110002", "5511911110003"} {
			e.mustProcess(t, text(e.sender, "wamid.T"+strconv.Itoa(i), from, "", t0, "oi"))
		}
		ids := []int64{e.inbound[2].ConversationID, e.inbound[1].ConversationID, e.inbound[0].ConversationID}
		seen := []int64{}
		cursor := ""
		for range 10 {
			p, err := e.svc.Conversations(ctx, messaging.ConversationFilter{Limit: 2, Cursor: cursor})
			require.NoError(t, err)
			seen = append(seen, convIDs(p)...)
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		require.Equal(t, ids, seen)
	})
}
