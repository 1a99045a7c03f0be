package settings_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testclock"
)

type section struct {
	Enabled bool     `json:"enabled"`
	Delay   int      `json:"delay"`
	Words   []string `json:"words"`
}

var def = section{Delay: 3, Words: []string{"stop"}}

func TestDefaultsThenSavedValue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		c := testclock.New(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
		s := settings.New(db, c.Now, time.Second)

		got, err := settings.Get(ctx, s, nil, "demo", def)
		require.NoError(t, err)
		require.Equal(t, def, got, "a section never saved reads its defaults")

		require.NoError(t, settings.Put(ctx, s, "demo", section{Enabled: true, Delay: 0, Words: []string{"parar"}}))
		got, err = settings.Get(ctx, s, nil, "demo", def)
		require.NoError(t, err)
		require.Equal(t, section{Enabled: true, Delay: 0, Words: []string{"parar"}}, got, "a write applies at once in this process")

		// A field missing from the stored JSON reads its default.
		require.NoError(t, s.PutRaw(ctx, "demo", []byte(`{"enabled":true}`)))
		got, err = settings.Get(ctx, s, nil, "demo", def)
		require.NoError(t, err)
		require.Equal(t, section{Enabled: true, Delay: 3, Words: []string{"stop"}}, got)

		// Reading through a transaction works too (the hook's path).
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			s.Invalidate("demo")
			got, err = settings.Get(ctx, s, tx, "demo", def)
			return err
		}))
		require.True(t, got.Enabled)
	})
}

// A second process (another Store on the same database) sees a change
// once its cached copy is older than the TTL, and not before.
func TestOtherProcessSeesChangeAfterTTL(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		c := testclock.New(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
		a := settings.New(db, c.Now, time.Second)
		b := settings.New(db, c.Now, time.Second)

		require.NoError(t, settings.Put(ctx, a, "demo", section{Delay: 1}))
		got, err := settings.Get(ctx, b, nil, "demo", def)
		require.NoError(t, err)
		require.Equal(t, 1, got.Delay)

		require.NoError(t, settings.Put(ctx, a, "demo", section{Delay: 2}))
		got, err = settings.Get(ctx, b, nil, "demo", def)
		require.NoError(t, err)
		require.Equal(t, 1, got.Delay, "b still holds its cached copy within the TTL")

		c.Add(time.Second)
		got, err = settings.Get(ctx, b, nil, "demo", def)
		require.NoError(t, err)
		require.Equal(t, 2, got.Delay, "after the TTL b reads the new value")
	})
}

func TestPutRawRejectsInvalidJSON(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	s := settings.New(db, nil, 0)
	require.Error(t, s.PutRaw(context.Background(), "demo", []byte(`{nope`)))
}
