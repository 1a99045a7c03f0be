package messaging_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// clusterCloud is the Cloud API two instances share: it records which
// instance sent which message, at which slot of the injected clock.
type clusterCloud struct {
	mu    sync.Mutex
	sends map[int64]int       // message id → times sent
	slots map[int64]time.Time // message id → the slot it was sent in
	by    map[string]int      // instance → sends
	times []time.Time
}

func newClusterCloud() *clusterCloud {
	return &clusterCloud{sends: map[int64]int{}, slots: map[int64]time.Time{}, by: map[string]int{}}
}

// instance is one outbox as a `zapflow serve` process would run it, its
// sends going out at their slots; dead makes it stop sending anything.
type instance struct {
	name  string
	o     *messaging.Outbox
	cloud *clusterCloud
	slots sync.Map // message id → slot, set just before the call
	dead  bool
}

func (c *clusterCloud) client(in *instance) messaging.CloudAPI { return cloudFunc{c: c, in: in} }

type cloudFunc struct {
	c  *clusterCloud
	in *instance
}

func (f cloudFunc) SendMessage(_ context.Context, _, _ string, payload any) (whatsapp.SendResult, error) {
	ref, _ := payload.(map[string]any)["biz_opaque_callback_data"].(string)
	id, err := strconv.ParseInt(strings.TrimPrefix(ref, "zf:"), 10, 64)
	if err != nil {
		return whatsapp.SendResult{}, err
	}
	slot, _ := f.in.slots.Load(id)
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	f.c.sends[id]++
	f.c.slots[id] = slot.(time.Time)
	f.c.by[f.in.name]++
	f.c.times = append(f.c.times, slot.(time.Time))
	return whatsapp.SendResult{WAMID: "wamid.c" + strconv.FormatInt(id, 10)}, nil
}

// Two instances on one PostgreSQL database, each with its own in-memory
// limiter, share a sender's rate: one of them holds the sender's lease
// and sends, the other sends nothing; when the holder dies (stops
// renewing, its claimed messages stranded), the other takes over after
// the lease and finishes every message exactly once, and no one-second
// window ever holds more than the rate.
func TestTwoInstancesShareASendersRate(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.PostgresURLEnv) == "" {
		t.Skip("PostgreSQL only (several instances share one database): set " + storetest.PostgresURLEnv)
	}
	ctx := context.Background()
	db := storetest.New(t, store.Postgres)
	e := newEnv(t, db)
	const rate, total = 50, 400
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE senders SET rate_limit = ? WHERE id = ?`, rate, e.sender.ID)
		return err
	}))
	e.mustProcess(t, text(e.sender, "wamid.in1", "5511988887777", "Ana", e.clock.Now(), "oi"))

	cloud := newClusterCloud()
	newInstance := func(name string) *instance {
		in := &instance{name: name, cloud: cloud}
		in.o = messaging.NewOutbox(messaging.OutboxOptions{
			DB: db, Accounts: e.accounts,
			Limiter:  ratelimit.New(ratelimit.Options{Clock: e.clock, PairRate: ratelimit.NoPairLimit}),
			CloudFor: func(account.Account) messaging.CloudAPI { return cloud.client(in) },
			Lease:    8 * time.Second, // the message lease: stranded claims come back after it
			Now:      e.clock.Now,
		})
		in.o.SkipSlotWaits(func(id int64, slot time.Time) bool {
			if in.dead {
				return false
			}
			in.slots.Store(id, slot)
			return true
		})
		return in
	}
	a, b := newInstance("a"), newInstance("b")

	// Messages come in through both instances.
	ids := map[int64]bool{}
	for i := range total {
		via := a
		if i%2 == 1 {
			via = b
		}
		m, err := via.o.Send(ctx, messaging.SendRequest{Type: "text", SenderID: e.sender.ID, To: "+5511988887777", Text: "m" + strconv.Itoa(i)})
		require.NoError(t, err)
		ids[m.ID] = true
	}

	start := e.clock.Now()
	var died time.Time
	sentBy := func(name string) int {
		cloud.mu.Lock()
		defer cloud.mu.Unlock()
		return cloud.by[name]
	}
	// Both instances run a dispatch round every 100 ms of the test clock;
	// a dies after 3 s, in the middle of a round that claimed messages.
	sentOnce := func() int {
		cloud.mu.Lock()
		defer cloud.mu.Unlock()
		return len(cloud.sends)
	}
	for sentOnce() < total {
		now := e.clock.Now()
		require.Less(t, now.Sub(start), 30*time.Second, "every message sent well within 30 s (sent %d of %d)", sentOnce(), total)
		switch {
		case died.IsZero() && now.Sub(start) >= 3*time.Second:
			a.dead = true
			n, err := a.o.Die(ctx)
			require.NoError(t, err)
			died = now
			t.Logf("a died at +%s with %d messages claimed, %d sent", now.Sub(start), n, sentBy("a"))
		case died.IsZero():
			_, err := a.o.Step(ctx)
			require.NoError(t, err)
		}
		bBefore := sentBy("b")
		_, err := b.o.Step(ctx)
		require.NoError(t, err)
		if died.IsZero() {
			require.Equal(t, bBefore, sentBy("b"), "b sends nothing while a holds the lease")
		}
		e.clock.Add(100 * time.Millisecond)
	}
	require.Positive(t, sentBy("a"))
	require.Positive(t, sentBy("b"))

	cloud.mu.Lock()
	defer cloud.mu.Unlock()
	for id := range ids {
		require.Equal(t, 1, cloud.sends[id], "message %d sent exactly once", id)
	}
	require.Len(t, cloud.sends, total)
	times := slices.Clone(cloud.times)
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	require.LessOrEqual(t, maxIn(times, time.Second), rate, "no one-second window holds more than the rate, across both instances")
	finished := times[len(times)-1]
	t.Logf("a sent %d, b sent %d; last send %s after a died", cloud.by["a"], cloud.by["b"], finished.Sub(died))
	// b needs the lease (≤ 5 s) and a's stranded claims the message lease
	// (8 s); the rest is the rate: 400 at 50/s is 8 s in all.
	require.Less(t, finished.Sub(died), 12*time.Second)

	var sent int
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE status = 'sent' AND sender_id = ?`, e.sender.ID).Scan(&sent))
	require.Equal(t, total, sent, "every message recorded sent")
}

// A sender's lease has one holder at a time: another instance gets it
// only once it is handed back or has lapsed, and the holder keeps it by
// renewing.
func TestSenderLeaseHasOneHolder(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.PostgresURLEnv) == "" {
		t.Skip("PostgreSQL only (several instances share one database): set " + storetest.PostgresURLEnv)
	}
	ctx := context.Background()
	db := storetest.New(t, store.Postgres)
	e := newEnv(t, db)
	id, now := e.sender.ID, e.clock.Now()
	a, b := messaging.NewLeases(db), messaging.NewLeases(db)
	take := func(l messaging.Leases, at time.Duration) bool {
		ok, err := l.Take(ctx, id, now.Add(at))
		require.NoError(t, err)
		return ok
	}
	require.True(t, take(a, 0))
	require.False(t, take(b, 0), "a holds it")
	require.True(t, take(a, 2*time.Second), "a renews it (until +7 s)")
	require.False(t, take(b, 6*time.Second), "renewed: still a's at +6 s")
	require.True(t, take(b, 7*time.Second), "lapsed: b takes it over")
	require.False(t, take(a, 7*time.Second), "a lost it")
	require.NoError(t, b.Release(ctx, id, now.Add(8*time.Second)))
	require.True(t, take(a, 8*time.Second), "handed back: a takes it at once")

	var epoch int64
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT epoch FROM sender_leases WHERE sender_id = ?`, id).Scan(&epoch))
	require.Equal(t, int64(3), epoch, "each change of holder counts")
}

// maxIn is the most sorted times within any window shorter than w.
func maxIn(sorted []time.Time, w time.Duration) int {
	best, i := 0, 0
	for j := range sorted {
		for sorted[j].Sub(sorted[i]) >= w {
			i++
		}
		best = max(best, j-i+1)
	}
	return best
}

// A lease taken over from another instance starts one window after that
// instance's lease ended: the new holder has no log of the sends made
// just before, so its first slot is where no one-second window can hold
// sends of both. Taking back a lease it held itself costs nothing.
func TestTakeOverWaitsOneWindow(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.PostgresURLEnv) == "" {
		t.Skip("PostgreSQL only (several instances share one database): set " + storetest.PostgresURLEnv)
	}
	ctx := context.Background()
	db := storetest.New(t, store.Postgres)
	e := newEnv(t, db)
	id, t0 := e.sender.ID, e.clock.Now()
	lim := ratelimit.New(ratelimit.Options{Clock: e.clock, PairRate: ratelimit.NoPairLimit})
	a, b := messaging.NewLeases(db), messaging.NewLeasesPacing(db, lim)

	ok, err := a.Take(ctx, id, t0)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, a.Release(ctx, id, t0.Add(time.Second))) // a's last send was before +1 s

	e.clock.Set(t0.Add(time.Second))
	ok, err = b.Take(ctx, id, e.clock.Now())
	require.NoError(t, err)
	require.True(t, ok)
	wait := lim.Reserve(id, 80, "+5511988887777")
	require.GreaterOrEqual(t, wait, time.Second, "b's first send is a full window after a's lease ended")
	require.Less(t, wait, 1100*time.Millisecond)

	// b hands it back and takes it again itself: no pause of its own making.
	require.NoError(t, b.Release(ctx, id, t0.Add(3*time.Second)))
	e.clock.Set(t0.Add(10 * time.Second))
	ok, err = b.Take(ctx, id, e.clock.Now())
	require.NoError(t, err)
	require.True(t, ok)
	require.Zero(t, lim.Reserve(id, 80, "+5511988887778"))
}
