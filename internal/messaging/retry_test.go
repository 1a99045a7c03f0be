package messaging

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func TestRetryDelayDefaultPolicyDoubles(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy
	require.Equal(t, time.Minute, p.Wait, "F15: wait 1 minute, retry")
	require.Equal(t, time.Minute, p.Delay(1, 0, nil))
	require.Equal(t, 2*time.Minute, p.Delay(2, 0, nil))
	require.Equal(t, 4*time.Minute, p.Delay(3, 0, nil))
	require.Equal(t, 8*time.Minute, p.Delay(4, 0, nil))
	require.Equal(t, 16*time.Minute, p.Delay(5, 0, nil))
}

func TestRetryDelayCappedAtMaxWait(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy
	require.Equal(t, 30*time.Minute, p.Delay(6, 0, nil), "32m is capped at 30m")
	require.Equal(t, 30*time.Minute, p.Delay(7, 0, nil))
	require.Equal(t, 30*time.Minute, p.Delay(1000, 0, nil), "a huge attempt number neither overflows nor exceeds the cap")
	require.Equal(t, 30*time.Minute, p.Delay(7, 0, func() float64 { return 0.999 }), "jitter does not go past the cap")
	require.Less(t, p.Delay(7, 0, func() float64 { return 0 }), 30*time.Minute, "but spreads below it")

	small := RetryPolicy{Wait: time.Second, Backoff: 3, MaxWait: 5 * time.Second}
	require.Equal(t, time.Second, small.Delay(1, 0, nil))
	require.Equal(t, 3*time.Second, small.Delay(2, 0, nil))
	require.Equal(t, 5*time.Second, small.Delay(3, 0, nil), "9s capped at 5s")
}

func TestRetryDelayHint(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy
	require.Equal(t, 5*time.Minute, p.Delay(1, 5*time.Minute, nil), "Meta's hint longer than the policy wins")
	require.Equal(t, 4*time.Minute, p.Delay(3, time.Minute, nil), "a shorter hint does not shorten the policy's wait")
	require.Equal(t, 2*time.Hour, p.Delay(10, 2*time.Hour, nil), "a hint beyond MaxWait is still honoured")
	// With jitter the hint is still a floor.
	require.Equal(t, 5*time.Minute, p.Delay(1, 5*time.Minute, func() float64 { return 0.999 }))
	require.Equal(t, 61*time.Second, p.Delay(1, 61*time.Second, func() float64 { return 0 }))
}

func TestRetryDelayJitterBounds(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy // Jitter 0.1
	low := func() float64 { return 0 }
	high := func() float64 { return 0.999 }
	mid := func() float64 { return 0.5 }

	for attempt, base := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute} {
		lo, hi := p.Delay(attempt, 0, low), p.Delay(attempt, 0, high)
		require.InDelta(t, float64(base)*0.9, float64(lo), float64(time.Microsecond), "attempt %d, r=0: -10%%", attempt)
		require.InDelta(t, float64(base)*(1+0.1*0.998), float64(hi), float64(time.Microsecond), "attempt %d, r=0.999: just under +10%%", attempt)
		require.GreaterOrEqual(t, lo, base*9/10)
		require.Less(t, hi, base*11/10)
		require.Equal(t, base, p.Delay(attempt, 0, mid), "r=0.5 is no jitter")
	}

	noJitter := p
	noJitter.Jitter = 0
	require.Equal(t, time.Minute, noJitter.Delay(1, 0, high), "Jitter 0 ignores r")
}

// The in-doubt reconciliation: the worker recorded an attempt (attempts,
// in_doubt_since) and Meta accepted it, but the process died before the
// wamid was stored. Meta's status webhook echoes biz_opaque_callback_data
// "zf:<id>": ApplyStatus links the wamid to the message instead of parking
// the status in pending_statuses, so the retry never sends it again.
func TestApplyStatusLinksInDoubtMessageByOpaque(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		nowMs := store.Millis(now)

		var convID int64
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			var accID, senderID int64
			if err := tx.QueryRow(ctx, `INSERT INTO accounts (name, waba_id, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
				"Acme", "102030405060", nowMs, nowMs).Scan(&accID); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO senders (account_id, phone_number_id, status, created_at, updated_at)
				VALUES (?, ?, 'CONNECTED', ?, ?) RETURNING id`, accID, "106540352240001", nowMs, nowMs).Scan(&senderID); err != nil {
				return err
			}
			contactID, err := writeContact(ctx, tx, "5511988887777", "+5511988887777", "Ana", nowMs)
			if err != nil {
				return err
			}
			convID, _, err = createConversation(ctx, tx, senderID, contactID, nowMs, nowMs, false)
			return err
		}))

		// inDoubt stores a queued outbound message whose attempt was recorded
		// but whose outcome never was.
		inDoubt := func() int64 {
			var id int64
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) (err error) {
				id, err = InsertOutbound(ctx, tx, convID, "text", []byte(`{"type":"text"}`), "olá", nowMs)
				if err != nil {
					return err
				}
				_, err = tx.Exec(ctx, `UPDATE messages SET attempts = 1, in_doubt_since = ? WHERE id = ?`, nowMs, id)
				return err
			}))
			return id
		}
		apply := func(u StatusUpdate) bool {
			var applied bool
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) (err error) {
				applied, err = ApplyStatus(ctx, tx, u, nowMs+5000)
				return err
			}))
			return applied
		}
		type row struct {
			wamid, status          string
			sentAt, deliveredAt    int64
			inDoubtSince, attempts int64
		}
		read := func(id int64) row {
			var r row
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT COALESCE(wamid, ''), status, sent_at, delivered_at, in_doubt_since, attempts
				FROM messages WHERE id = ?`, id).Scan(&r.wamid, &r.status, &r.sentAt, &r.deliveredAt, &r.inDoubtSince, &r.attempts))
			return r
		}
		pending := func(wamid string) int {
			var n int
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM pending_statuses WHERE wamid = ?`, wamid).Scan(&n))
			return n
		}
		opaque := func(id int64) string { return "zf:" + strconv.FormatInt(id, 10) }

		t.Run("sent links the wamid", func(t *testing.T) {
			id := inDoubt()
			at := nowMs + 1000
			require.True(t, apply(StatusUpdate{Opaque: opaque(id), WAMID: "wamid.linked1", Status: StatusSent, At: at}), "linked, so applied")
			require.Equal(t, row{wamid: "wamid.linked1", status: StatusSent, sentAt: at, inDoubtSince: 0, attempts: 1}, read(id))
			require.Zero(t, pending("wamid.linked1"), "not parked as pending")

			// Later statuses find it by its wamid.
			require.True(t, apply(StatusUpdate{WAMID: "wamid.linked1", Status: StatusDelivered, At: at + 1000}))
			got := read(id)
			require.Equal(t, StatusDelivered, got.status)
			require.Equal(t, at+1000, got.deliveredAt)
			require.Zero(t, pending("wamid.linked1"))
		})

		t.Run("delivered first links and moves on", func(t *testing.T) {
			id := inDoubt()
			at := nowMs + 2000
			require.True(t, apply(StatusUpdate{Opaque: opaque(id), WAMID: "wamid.linked2", Status: StatusDelivered, At: at}))
			got := read(id)
			require.Equal(t, "wamid.linked2", got.wamid)
			require.Equal(t, StatusDelivered, got.status)
			require.Equal(t, at, got.sentAt, "sent_at is dated by the first status seen")
			require.Equal(t, at, got.deliveredAt)
			require.Zero(t, got.inDoubtSince)
			require.Zero(t, pending("wamid.linked2"))
		})

		t.Run("a message that already has a wamid is not relinked", func(t *testing.T) {
			id := inDoubt()
			require.True(t, apply(StatusUpdate{Opaque: opaque(id), WAMID: "wamid.first", Status: StatusSent, At: nowMs}))
			require.False(t, apply(StatusUpdate{Opaque: opaque(id), WAMID: "wamid.other", Status: StatusSent, At: nowMs}))
			require.Equal(t, "wamid.first", read(id).wamid)
			require.Equal(t, 1, pending("wamid.other"), "an unknown wamid waits as pending")
		})

		t.Run("no or malformed opaque data waits as pending", func(t *testing.T) {
			id := inDoubt()
			require.False(t, apply(StatusUpdate{WAMID: "wamid.noopaque", Status: StatusSent, At: nowMs}))
			require.False(t, apply(StatusUpdate{Opaque: "zf:abc", WAMID: "wamid.badopaque", Status: StatusSent, At: nowMs}))
			require.False(t, apply(StatusUpdate{Opaque: "other:" + strconv.FormatInt(id, 10), WAMID: "wamid.foreign", Status: StatusSent, At: nowMs}))
			got := read(id)
			require.Empty(t, got.wamid)
			require.Equal(t, StatusQueued, got.status)
			require.Equal(t, nowMs, got.inDoubtSince, "still in doubt")
			require.Equal(t, 1, pending("wamid.noopaque"))
			require.Equal(t, 1, pending("wamid.badopaque"))
			require.Equal(t, 1, pending("wamid.foreign"))
		})
	})
}
