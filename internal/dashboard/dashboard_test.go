package dashboard_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/dashboard"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

var day1 = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)

func ms(t time.Time) int64 { return t.UnixMilli() }

// seed writes, over 1–2 October 2025, messages in both directions with
// every status, flow runs (one failed, one a test run), AI calls (one
// failed), and the same again on 30 September, outside the period.
func seed(t *testing.T, db store.DB) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		exec := func(q string, args ...any) {
			_, err := tx.Exec(ctx, q, args...)
			require.NoError(t, err, q)
		}
		exec(`INSERT INTO accounts (id, name, waba_id, created_at, updated_at) VALUES (1, 'a', 'w1', 0, 0)`)
		exec(`INSERT INTO senders (id, account_id, phone_number_id, created_at, updated_at) VALUES (1, 1, 'p1', 0, 0)`)
		exec(`INSERT INTO contacts (id, wa_id, phone, profile_name, created_at, updated_at) VALUES (1, '5511', '+5511', 'c', 0, 0)`)
		exec(`INSERT INTO conversations (id, sender_id, contact_id, started_at, created_at, updated_at) VALUES (1, 1, 1, 0, 0, 0)`)
		exec(`INSERT INTO flows (id, name, enabled, version, trigger_type, created_at, updated_at) VALUES (1, 'f', ?, 1, 'event', 0, 0)`, true)
		id := 0
		msg := func(at time.Time, dir, status, code string) {
			id++
			exec(`INSERT INTO messages (id, conversation_id, direction, type, summary, status, error_code, occurred_at, created_at, updated_at)
				VALUES (?, 1, ?, 'text', '', ?, ?, ?, ?, ?)`, id, dir, status, code, ms(at), ms(at), ms(at))
		}
		run := func(at time.Time, status string, test bool) {
			id++
			exec(`INSERT INTO flow_runs (id, flow_id, flow_version, status, test, state, started_at, updated_at) VALUES (?, 1, 1, ?, ?, '{}', ?, ?)`,
				id, status, test, ms(at), ms(at))
		}
		call := func(at time.Time, outcome string) {
			exec(`INSERT INTO ai_calls (purpose, model, outcome, created_at) VALUES ('reply', 'm', ?, ?)`, outcome, ms(at))
		}
		for _, base := range []time.Time{day1.AddDate(0, 0, -1), day1, day1.AddDate(0, 0, 1)} {
			msg(base.Add(time.Hour), "in", "received", "")
			msg(base.Add(2*time.Hour), "in", "received", "")
			msg(base.Add(3*time.Hour), "out", "read", "")
			msg(base.Add(4*time.Hour), "out", "delivered", "")
			msg(base.Add(5*time.Hour), "out", "sent", "")
			msg(base.Add(6*time.Hour), "out", "failed", "recipient_not_on_whatsapp")
			run(base.Add(time.Hour), "completed", false)
			run(base.Add(2*time.Hour), "failed", false)
			run(base.Add(3*time.Hour), "completed", true)
			call(base.Add(time.Hour), "ok")
			call(base.Add(23*time.Hour+59*time.Minute), "model_timeout")
		}
		msg(day1.Add(7*time.Hour), "out", "failed", "rate_limited")
		msg(day1.Add(8*time.Hour), "out", "failed", "rate_limited")
		msg(day1.Add(9*time.Hour), "out", "queued", "")
		return nil
	}))
}

// TestComputeCountsThePeriodOnly checks every figure over two days with
// a day of data on each side that must not count.
func TestComputeCountsThePeriodOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		seed(t, db)
		d, err := dashboard.Compute(context.Background(), db.Read(), day1.Add(5*time.Hour), day1.AddDate(0, 0, 2))
		require.NoError(t, err)
		require.Len(t, d.Days, 2, "whole days: 1 and 2 October")
		require.Equal(t, day1, d.Days[0].Date)

		require.Equal(t, 2, d.Days[0].In)
		require.Equal(t, 7, d.Days[0].Out)
		require.Equal(t, 3, d.Days[0].OutFailed)
		require.Equal(t, 4, d.Days[1].Out)
		require.Equal(t, 2+2, d.Days[0].In+d.Days[1].In)

		require.Equal(t, 2, d.Read)
		require.Equal(t, 2, d.Delivered)
		require.Equal(t, 2, d.Sent)
		require.Equal(t, 4, d.Failed)
		require.Equal(t, 1, d.Queued)
		require.InDelta(t, 4.0/10.0, d.DeliveryRate(), 1e-9)
		require.InDelta(t, 2.0/4.0, d.ReadRate(), 1e-9)
		require.Equal(t, []dashboard.CodeCount{{Code: "rate_limited", Count: 2}, {Code: "recipient_not_on_whatsapp", Count: 2}}, d.Failures)

		require.Equal(t, 4, d.Runs, "test runs do not count")
		require.Equal(t, 2, d.RunsFailed)
		require.Equal(t, 1, d.Days[1].RunsFailed)
		require.Equal(t, 4, d.AICalls)
		require.Equal(t, 2, d.AIErrors)
		require.Equal(t, 1, d.Days[0].AIErrors, "a call at 23:59 stays on its day")
	})
}

// TestComputeEmptyPeriod gives zero rates, not a division by zero.
func TestComputeEmptyPeriod(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	d, err := dashboard.Compute(context.Background(), db.Read(), day1, day1.AddDate(0, 0, 7))
	require.NoError(t, err)
	require.Len(t, d.Days, 7)
	require.Zero(t, d.DeliveryRate())
	require.Zero(t, d.ReadRate())
	require.Empty(t, d.Failures)
}

// TestComputeCountsTheBusinessDays shows the days are the business's: in
// São Paulo (UTC−3) a message at 01:00 UTC on 2 October came on the
// evening of 1 October, one at 01:00 UTC on 1 October on 30 September; the
// period's edges move with the zone.
func TestComputeCountsTheBusinessDays(t *testing.T) {
	t.Parallel()
	sp, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	storetest.Each(t, func(t *testing.T, db store.DB) {
		seed(t, db)
		from := time.Date(2025, 10, 1, 0, 0, 0, 0, sp)
		d, err := dashboard.Compute(context.Background(), db.Read(), from, from.AddDate(0, 0, 1))
		require.NoError(t, err)
		require.Len(t, d.Days, 1)
		require.True(t, d.Days[0].Date.Equal(from))
		// 1 October in São Paulo is 03:00 UTC on the 1st to 03:00 UTC on
		// the 2nd: the 1st's inbound at 01:00 and 02:00 UTC were still 30
		// September there, the 2nd's at 01:00 and 02:00 UTC are the 1st;
		// the outbound from 03:00 UTC on the 1st (4 seeded, 3 extra) count,
		// the 2nd's from 03:00 UTC on do not.
		require.Equal(t, 2, d.Days[0].In, "01:00 and 02:00 UTC on the 2nd")
		require.Equal(t, 4+3, d.Days[0].Out)
		require.Equal(t, 2, d.Days[0].AICalls, "23:59 UTC on the 1st and 01:00 UTC on the 2nd")
	})
}
