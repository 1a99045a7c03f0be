package contact_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testclock"
)

var t0 = time.Date(2025, 10, 30, 9, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// agent is who edits in these tests: a user of the web app.
func newService(t *testing.T, db store.DB) (*contact.Service, *testclock.Clock, contact.Actor) {
	t.Helper()
	clock := testclock.New(t0)
	var uid int64
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
			VALUES ('bia@example.com', 'Bia', 'agent', 'x', 0, 0) RETURNING id`).Scan(&uid)
	}))
	return contact.New(db, clock.Now), clock, contact.Actor{UserID: uid, Source: contact.SourceAgent}
}

func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	require.True(t, ok, "an apperr: %v", err)
	require.Equal(t, apperr.KindInvalid, ae.Kind, err)
	require.Equal(t, "invalid_request", ae.Code)
	require.Equal(t, field, ae.Field)
}

// Create normalises the number, refuses a bad one on the phone field and a
// second contact for the same number; Update changes the name, tags and
// fields; search finds by name, profile name, number and tag.
func TestCreateEditSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s, clock, by := newService(t, db)

		_, err := s.Create(ctx, contact.Input{Phone: ptr("12345")}, "", by)
		requireInvalid(t, err, "phone")
		_, err = s.Create(ctx, contact.Input{Phone: ptr("(11) 98888-7777")}, "", by)
		requireInvalid(t, err, "phone") // no country code and no region
		_, err = s.Create(ctx, contact.Input{Phone: ptr("(11) 98888-7777")}, "XX", by)
		requireInvalid(t, err, "region")

		ana, err := s.Create(ctx, contact.Input{Phone: ptr("(11) 98888-7777"), Name: ptr("  Ana Souza "),
			Tags: &[]string{"VIP", "vip", " loja  centro "}, Fields: map[string]*string{"city": ptr("São Paulo")}}, "BR", by)
		require.NoError(t, err)
		require.Equal(t, "+5511988887777", ana.Phone)
		require.Equal(t, "5511988887777", ana.WAID)
		require.Equal(t, "Ana Souza", ana.Name)
		require.Equal(t, []string{"loja centro", "VIP"}, ana.Tags, "repeats dropped ignoring case, sorted")
		require.Equal(t, map[string]string{"city": "São Paulo"}, ana.Fields)

		_, err = s.Create(ctx, contact.Input{Phone: ptr("+55 11 98888-7777")}, "", by)
		ae, ok := apperr.As(err)
		require.True(t, ok)
		require.Equal(t, apperr.KindConflict, ae.Kind)
		require.Equal(t, "phone", ae.Field)

		_, err = s.Create(ctx, contact.Input{Phone: ptr("+5521977776666"), Fields: map[string]*string{"Bad Key": ptr("x")}}, "", by)
		requireInvalid(t, err, "fields")
		_, err = s.Create(ctx, contact.Input{Phone: ptr("+5521977776666"), Tags: &[]string{"a,b"}}, "", by)
		requireInvalid(t, err, "tags")
		require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM contacts`), "refused creates wrote nothing")

		// A customer's WhatsApp profile name is kept apart from the team's name.
		var caio int64
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO contacts (wa_id, phone, profile_name, created_at, updated_at)
				VALUES ('5521977776666', '+5521977776666', 'Caio Lima', 0, 0) RETURNING id`).Scan(&caio)
		}))

		clock.Add(time.Hour)
		_, err = s.Update(ctx, ana.ID, contact.Input{Name: ptr("bad\x00name")}, by)
		requireInvalid(t, err, "name")
		_, err = s.Update(ctx, ana.ID, contact.Input{Phone: ptr("+5521977776666")}, by)
		requireInvalid(t, err, "phone")
		ana2, err := s.Update(ctx, ana.ID, contact.Input{Name: ptr("Ana S."), Tags: &[]string{"cliente"},
			Fields: map[string]*string{"city": nil, "plan": ptr("gold")}}, by)
		require.NoError(t, err)
		require.Equal(t, ana.ID, ana2.ID)
		require.Equal(t, "Ana S.", ana2.Name)
		require.Equal(t, []string{"cliente"}, ana2.Tags)
		require.Equal(t, map[string]string{"plan": "gold"}, ana2.Fields, "null removes a field, others merge")
		require.Equal(t, t0.Add(time.Hour), ana2.UpdatedAt)

		find := func(f contact.Filter) []int64 {
			t.Helper()
			p, err := s.List(ctx, f)
			require.NoError(t, err)
			ids := []int64{}
			for _, c := range p.Contacts {
				ids = append(ids, c.ID)
			}
			return ids
		}
		require.Equal(t, []int64{caio, ana.ID}, find(contact.Filter{}), "newest first")
		// Before SQLite's search index has these contacts (it is filled in
		// the background), and after.
		for _, indexed := range []bool{false, true} {
			if indexed {
				n, err := store.IndexSearch(ctx, db)
				require.NoError(t, err)
				if db.Dialect() == store.SQLite {
					require.Equal(t, 2, n)
				}
			}
			require.Equal(t, []int64{ana.ID}, find(contact.Filter{Query: "ana s"}))
			require.Equal(t, []int64{caio}, find(contact.Filter{Query: "CAIO"}), "the profile name, ignoring case")
			require.Equal(t, []int64{ana.ID}, find(contact.Filter{Query: "98888-77"}), "part of the number, its dashes ignored")
			require.Equal(t, []int64{ana.ID}, find(contact.Filter{Query: "988887"}), "part of the number")
			require.Equal(t, []int64{caio}, find(contact.Filter{Query: "Li"}), "a text too short for SQLite's index")
			require.Equal(t, []int64{ana.ID}, find(contact.Filter{Query: "Cliente"}), "a tag")
			require.Equal(t, []int64{ana.ID}, find(contact.Filter{Tag: "CLIENTE"}))
			require.Empty(t, find(contact.Filter{Query: "100%"}), "LIKE wildcards match literally")
			require.Equal(t, []int64{caio}, find(contact.Filter{Phone: "+5521977776666"}))
		}
		// An indexed contact's new name replaces the old one in the index.
		_, err = s.Update(ctx, ana.ID, contact.Input{Name: ptr("Beatriz")}, by)
		require.NoError(t, err)
		require.Empty(t, find(contact.Filter{Query: "ana s"}))
		require.Equal(t, []int64{ana.ID}, find(contact.Filter{Query: "beatriz"}))
		if db.Dialect() == store.SQLite {
			require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM contact_search WHERE contact_search MATCH '"beatriz"'`), "from the index, not the unindexed tail")
		}

		p, err := s.List(ctx, contact.Filter{Limit: 1})
		require.NoError(t, err)
		require.True(t, p.HasMore)
		p, err = s.List(ctx, contact.Filter{Limit: 1, Offset: 1})
		require.NoError(t, err)
		require.False(t, p.HasMore)
		require.Equal(t, ana.ID, p.Contacts[0].ID)
	})
}

// Every opt-out change is recorded with who, how, when and what it was.
func TestOptOutHistory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s, clock, by := newService(t, db)
		c, err := s.Create(ctx, contact.Input{Phone: ptr("+5511988887777")}, "", by)
		require.NoError(t, err)
		clock.Add(time.Minute)
		c, err = s.SetOptOut(ctx, c.ID, true, by)
		require.NoError(t, err)
		require.True(t, c.OptedOut)
		_, err = s.SetOptOut(ctx, c.ID, true, by) // no change, no line
		require.NoError(t, err)
		clock.Add(time.Minute)
		_, err = s.Update(ctx, c.ID, contact.Input{OptedOut: ptr(false)}, contact.Actor{Source: contact.SourceAPI})
		require.NoError(t, err)

		h, err := s.OptOutHistory(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, h, 2)
		require.Equal(t, contact.OptOutChange{ID: h[0].ID, ContactID: c.ID, Before: true, After: false, Source: "api",
			CreatedAt: t0.Add(2 * time.Minute)}, h[0])
		require.Equal(t, contact.OptOutChange{ID: h[1].ID, ContactID: c.ID, Before: false, After: true, Source: "agent",
			UserID: by.UserID, UserName: "Bia", CreatedAt: t0.Add(time.Minute)}, h[1])

		_, err = s.OptOutHistory(ctx, c.ID+100)
		ae, ok := apperr.As(err)
		require.True(t, ok)
		require.Equal(t, apperr.KindNotFound, ae.Kind)
	})
}

func count(t *testing.T, db store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.Read().QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

func export(t *testing.T, s *contact.Service, f contact.Filter) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, s.Export(context.Background(), &b, f))
	return b.String()
}
