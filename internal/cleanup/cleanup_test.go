package cleanup

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The product's two examples: the cutoff is the start of the day N days
// back, whatever the hour of the run.
func TestCutoffSeedExamples(t *testing.T) {
	t.Parallel()
	cases := []struct {
		now  time.Time
		days int
		want time.Time
	}{
		{date(2025, time.October, 30, 0, 0, 0), 30, date(2025, time.September, 30, 0, 0, 0)},
		{date(2025, time.October, 30, 23, 59, 59), 30, date(2025, time.September, 30, 0, 0, 0)},
		{date(2025, time.August, 1, 9, 15, 0), 60, date(2025, time.June, 2, 0, 0, 0)},
		{date(2025, time.March, 1, 12, 0, 0), 1, date(2025, time.February, 28, 0, 0, 0)},
	}
	for _, c := range cases {
		require.Equal(t, c.want, Cutoff(c.now, c.days, time.UTC), "%s − %d days", c.now, c.days)
	}
	// In another zone the day is that zone's: at 30 Oct 01:00 in São
	// Paulo (04:00 UTC) the cutoff is 30 Sep 00:00 there, 03:00 UTC.
	sp, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	got := Cutoff(time.Date(2025, time.October, 30, 1, 0, 0, 0, sp), 30, sp)
	require.Equal(t, time.Date(2025, time.September, 30, 3, 0, 0, 0, time.UTC), got.UTC())
}

// history is what each seed example's database holds, named by what a
// run must do with it.
type history struct {
	deletedMsgs, keptMsgs   []int64
	deletedConvs, keptConvs []int64
	contacts                []int64
	deletedNotes, keptNotes []int64
	deletedEvents, keptEvts []int64 // live events
	deletedHooks, keptHooks []int64 // raw webhook events
	mediaKept               int64
}

// seedHistory fills f around cutoff: messages one second before it go,
// messages at it stay.
func seedHistory(f *fixture, cutoff time.Time) history {
	var h history
	old, before := cutoff.AddDate(0, 0, -10), cutoff.Add(-time.Second)
	// A: one message before the cutoff, one at it: the conversation stays.
	a, ca := f.conversation(old)
	a1, a2 := f.inbound(a, before), f.inbound(a, cutoff)
	f.media(a1)
	f.media(a2)
	h.deletedMsgs = append(h.deletedMsgs, a1)
	h.keptMsgs = append(h.keptMsgs, a2)
	h.keptConvs = append(h.keptConvs, a)
	h.deletedEvents = append(h.deletedEvents, f.liveEvent(a, a1))
	h.keptEvts = append(h.keptEvts, f.liveEvent(a, a2))
	// B: everything old, with an old note: the conversation goes, its
	// contact stays.
	b, cb := f.conversation(old)
	b1, b2 := f.inbound(b, old), f.message(b, before, "out", "read")
	f.media(b1)
	h.deletedMsgs = append(h.deletedMsgs, b1, b2)
	h.deletedNotes = append(h.deletedNotes, f.note(b, old))
	h.deletedConvs = append(h.deletedConvs, b)
	h.deletedEvents = append(h.deletedEvents, f.liveEvent(b, 0))
	// C: an old outbound message still queued stays, and so does C.
	c, cc := f.conversation(old)
	c1, c2 := f.inbound(c, old), f.message(c, before, "out", "queued")
	h.deletedMsgs = append(h.deletedMsgs, c1)
	h.keptMsgs = append(h.keptMsgs, c2)
	h.keptConvs = append(h.keptConvs, c)
	// D: old messages, but a flow run waits for the customer's reply here.
	d, cd := f.conversation(old)
	h.deletedMsgs = append(h.deletedMsgs, f.inbound(d, before))
	f.waitingRun(d)
	h.keptConvs = append(h.keptConvs, d)
	// E: old messages and a note written at the cutoff: E stays.
	e, ce := f.conversation(old)
	h.deletedMsgs = append(h.deletedMsgs, f.inbound(e, old))
	h.keptNotes = append(h.keptNotes, f.note(e, cutoff))
	h.keptConvs = append(h.keptConvs, e)
	// G: created before the cutoff, never a message: empty, it goes.
	g, cg := f.conversation(old)
	h.deletedConvs = append(h.deletedConvs, g)
	h.contacts = []int64{ca, cb, cc, cd, ce, cg}
	h.mediaKept = 1
	// Raw webhook events: processed and older than both the cutoff and a
	// week go; unprocessed or recent ones stay.
	now := f.clock.Now()
	h.deletedHooks = append(h.deletedHooks, f.webhookEvent(cutoff.Add(-time.Hour), true))
	h.keptHooks = append(h.keptHooks, f.webhookEvent(cutoff.Add(-time.Hour), false), f.webhookEvent(now.Add(-time.Hour), true))
	return h
}

func TestCleanupSeedExamples(t *testing.T) {
	t.Parallel()
	examples := []struct {
		name   string
		now    time.Time
		days   int
		cutoff time.Time
	}{
		{"30 days on 30 Oct 2025", date(2025, time.October, 30, 14, 37, 0), 30, date(2025, time.September, 30, 0, 0, 0)},
		{"60 days on 1 Aug 2025", date(2025, time.August, 1, 9, 0, 0), 60, date(2025, time.June, 2, 0, 0, 0)},
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db store.DB) {
				ctx := context.Background()
				f := newFixture(t, db, ex.now)
				f.configure(ex.days, false, "03:00")
				h := seedHistory(f, ex.cutoff)
				messagesBefore := f.count(`SELECT COUNT(*) FROM messages`)

				dry, err := f.svc.RunNow(ctx, 7, true)
				require.NoError(t, err)
				require.Equal(t, TriggerDryRun, dry.Trigger)
				require.Equal(t, ex.cutoff, dry.Cutoff)
				want := Counts{Messages: int64(len(h.deletedMsgs)), Media: 2, Notes: int64(len(h.deletedNotes)),
					Conversations: int64(len(h.deletedConvs)), WebhookEvents: int64(len(h.deletedHooks))}
				require.Equal(t, want, dry.Counts)
				require.Equal(t, messagesBefore, f.count(`SELECT COUNT(*) FROM messages`), "a dry run deletes nothing")
				require.Equal(t, int64(3), f.count(`SELECT COUNT(*) FROM media_cache`))

				run, err := f.svc.RunNow(ctx, 7, false)
				require.NoError(t, err)
				require.Equal(t, StatusDone, run.Status, run.Error)
				require.Equal(t, TriggerManual, run.Trigger)
				require.Equal(t, int64(7), run.UserID)
				require.Equal(t, ex.cutoff, run.Cutoff)
				require.Equal(t, dry.Counts, run.Counts, "the dry run counts what the run removes")

				for _, id := range h.deletedMsgs {
					require.False(t, f.exists("messages", id), "message %d is before the cutoff", id)
				}
				for _, id := range h.keptMsgs {
					require.True(t, f.exists("messages", id), "message %d is kept", id)
				}
				for _, id := range h.deletedConvs {
					require.False(t, f.exists("conversations", id), "conversation %d is left empty", id)
				}
				for _, id := range h.keptConvs {
					require.True(t, f.exists("conversations", id), "conversation %d is kept", id)
				}
				for _, id := range h.contacts {
					require.True(t, f.exists("contacts", id), "contacts stay")
				}
				for _, id := range h.deletedNotes {
					require.False(t, f.exists("notes", id))
				}
				for _, id := range h.keptNotes {
					require.True(t, f.exists("notes", id))
				}
				for _, id := range h.deletedEvents {
					require.False(t, f.exists("live_events", id))
				}
				for _, id := range h.keptEvts {
					require.True(t, f.exists("live_events", id))
				}
				for _, id := range h.deletedHooks {
					require.False(t, f.exists("inbound_events", id))
				}
				for _, id := range h.keptHooks {
					require.True(t, f.exists("inbound_events", id))
				}
				require.Equal(t, h.mediaKept, f.count(`SELECT COUNT(*) FROM media_cache`), "the deleted message's media went")
				// A's first message is now the one left.
				require.Equal(t, h.keptMsgs[0], f.count(`SELECT first_message_id FROM conversations WHERE id = ?`, h.keptConvs[0]))

				// The log has both runs, newest first; a second run finds nothing.
				again, err := f.svc.RunNow(ctx, 0, false)
				require.NoError(t, err)
				require.Equal(t, Counts{}, again.Counts)
				runs, err := f.svc.Runs(ctx, 10)
				require.NoError(t, err)
				require.Len(t, runs, 3)
				require.Equal(t, []string{TriggerManual, TriggerManual, TriggerDryRun}, []string{runs[0].Trigger, runs[1].Trigger, runs[2].Trigger})
				require.Equal(t, run.Counts, runs[1].Counts)
				require.False(t, runs[1].FinishedAt.IsZero())
			})
		})
	}
}

// Many batches: with a batch of 3, a long history takes many short
// transactions and still removes exactly what is old.
func TestCleanupManyBatches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := date(2025, time.October, 30, 10, 0, 0)
		cutoff := date(2025, time.September, 30, 0, 0, 0)
		f := newFixture(t, db, now)
		f.configure(30, false, "03:00")
		var convs []int64
		for i := range 4 {
			c, _ := f.conversation(cutoff.AddDate(0, 0, -40))
			convs = append(convs, c)
			for j := range 10 {
				f.inbound(c, cutoff.Add(-time.Duration(j+1)*time.Hour))
			}
			if i%2 == 0 {
				f.inbound(c, cutoff.Add(time.Duration(i)*time.Minute))
			}
			if i == 1 {
				// The search index (SQLite) covers the first half: the run
				// deletes messages inside and beyond it.
				_, err := store.IndexSearch(ctx, db)
				require.NoError(t, err)
			}
		}
		run, err := f.svc.RunNow(ctx, 0, false)
		require.NoError(t, err)
		require.Equal(t, Counts{Messages: 40, Conversations: 2}, run.Counts)
		require.Equal(t, int64(2), f.count(`SELECT COUNT(*) FROM messages`))
		require.True(t, f.exists("conversations", convs[0]))
		require.False(t, f.exists("conversations", convs[1]))
		if db.Dialect() == store.SQLite {
			// The inbox search index lost the deleted messages' entries,
			// is consistent once it reaches the rest, and merges again as
			// it did before the run.
			_, err := store.IndexSearch(ctx, db)
			require.NoError(t, err)
			f.exec(`INSERT INTO message_search (message_search) VALUES ('integrity-check')`)
			require.Equal(t, int64(2), f.count(`SELECT COUNT(*) FROM message_search WHERE message_search MATCH 'hello'`))
			require.Equal(t, int64(defaultAutomerge), f.count(`SELECT CAST(v AS INTEGER) FROM message_search_config WHERE k = 'automerge'`))
		}
	})
}

// One run at a time: a second gets a conflict; a run whose instance died
// (no heartbeat for StaleAfter) is taken over and logged as failed.
func TestCleanupOneRunAtATime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := date(2025, time.October, 30, 10, 0, 0)
		f := newFixture(t, db, now)
		f.configure(30, false, "03:00")
		stuck := f.insert(`INSERT INTO cleanup_runs (kind, status, retention_days, cutoff, started_at, heartbeat_at)
			VALUES ('manual', 'running', 30, 0, ?, ?) RETURNING id`, store.Millis(now), store.Millis(now))
		_, err := f.svc.RunNow(ctx, 0, false)
		ae, ok := apperr.As(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, "cleanup_running", ae.Code)
		require.Equal(t, apperr.KindConflict, ae.Kind)
		// A dry run only reads: it runs beside.
		_, err = f.svc.RunNow(ctx, 0, true)
		require.NoError(t, err)

		f.clock.Add(DefaultStaleAfter + time.Second)
		run, err := f.svc.RunNow(ctx, 0, false)
		require.NoError(t, err)
		require.Equal(t, StatusDone, run.Status)
		old, err := f.svc.Run(ctx, stuck)
		require.NoError(t, err)
		require.Equal(t, StatusFailed, old.Status)
		require.Contains(t, old.Error, "interrupted")
	})
}

// A run cut short (shutdown, request gone) keeps what it removed and is
// logged as failed, interrupted.
func TestCleanupInterrupted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		now := date(2025, time.October, 30, 10, 0, 0)
		f := newFixture(t, db, now)
		f.configure(30, false, "03:00")
		c, _ := f.conversation(now.AddDate(0, 0, -90))
		for range 4 {
			f.inbound(c, now.AddDate(0, 0, -60))
		}
		ctx, cancel := context.WithCancel(context.Background())
		f.svc.afterBatch = cancel // the first batch (3 messages) commits, then the run is cut
		run, err := f.svc.RunNow(ctx, 0, false)
		require.NoError(t, err)
		require.Equal(t, StatusFailed, run.Status)
		require.Contains(t, run.Error, "interrupted")
		require.Equal(t, int64(3), run.Messages, "the committed batch is logged")
		require.Equal(t, int64(1), f.count(`SELECT COUNT(*) FROM messages`))
		// The next run is not blocked by it and finishes the job.
		f.svc.afterBatch = nil
		run, err = f.svc.RunNow(context.Background(), 0, false)
		require.NoError(t, err)
		require.Equal(t, int64(1), run.Messages)
		require.Equal(t, int64(1), run.Conversations)
	})
}
