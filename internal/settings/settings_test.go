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

// racingRead is a querier whose read fetches the value and then lets a
// write land (its save and invalidation) before the read is cached.
type racingRead struct {
	store.Querier
	write func()
}

func (r racingRead) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	row := r.Querier.QueryRow(ctx, q, args...)
	var v string
	err := row.Scan(&v)
	r.write()
	return fixedRow{v, err}
}

type fixedRow struct {
	v   string
	err error
}

func (f fixedRow) Scan(dest ...any) error {
	if f.err != nil {
		return f.err
	}
	*(dest[0].(*string)) = f.v
	return nil
}

// A read that fetched the old value before a write must not put it back
// in the cache after the write dropped it: on a clock that stands still
// it would stay there for good (the forwarding dispatcher, started just
// before forwarding was switched on, kept seeing it off).
func TestReadRacingAWriteDoesNotCacheTheOldValue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		c := testclock.New(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
		s := settings.New(db, c.Now, time.Second)
		require.NoError(t, settings.Put(ctx, s, "demo", section{Delay: 1}))
		s.Invalidate("demo")

		old, err := settings.Get(ctx, s, racingRead{db.Read(), func() {
			require.NoError(t, settings.Put(ctx, s, "demo", section{Delay: 2}))
		}}, "demo", def)
		require.NoError(t, err)
		require.Equal(t, 1, old.Delay, "the racing read answers with what it fetched")
		got, err := settings.Get(ctx, s, nil, "demo", def)
		require.NoError(t, err)
		require.Equal(t, 2, got.Delay, "the next read sees the write, with the clock unmoved")
	})
}
