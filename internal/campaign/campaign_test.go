package campaign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func recipientVars(t *testing.T, db store.DB, id int64) map[string]map[string]string {
	t.Helper()
	rows, err := db.Read().Query(context.Background(), `SELECT phone, variables FROM campaign_recipients WHERE campaign_id = ? AND state = 'queued'`, id)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var p, v string
		require.NoError(t, rows.Scan(&p, &v))
		m := map[string]string{}
		require.NoError(t, json.Unmarshal([]byte(v), &m))
		out[p] = m
	}
	return out
}

func TestMappingFromContactFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.contact(t, phoneN(1), "Ana", []string{"VIP"}, map[string]string{"cupom": "ANA10"})
		e.contact(t, phoneN(2), "", []string{"vip"}, nil)
		e.contact(t, phoneN(3), "Caio", []string{"other"}, map[string]string{"cupom": "X"})
		c := e.draft(t, campaign.Audience{Kind: "contacts", Tags: []string{"vip"}},
			map[string]campaign.Source{"1": {From: "contact.name", Default: "cliente"}, "2": {From: "contact.cupom", Default: "BEMVINDO"}})
		p, err := e.svc.Preview(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 2, p.Total)
		require.Equal(t, 2, p.WillSend)
		require.Len(t, p.Warnings, 1, "a marketing template without an opt-out warns")
		require.Contains(t, p.Warnings[0], "marketing_without_opt_out")
		require.Equal(t, map[string]map[string]string{
			phoneN(1): {"1": "Ana", "2": "ANA10"},
			phoneN(2): {"1": "cliente", "2": "BEMVINDO"},
		}, recipientVars(t, db, c.ID))
	})
}

func TestMappingFromCSVAndSkippedReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		out := e.contact(t, phoneN(4), "Opted", nil, nil)
		e.exec(t, `UPDATE contacts SET opted_out = ? WHERE id = ?`, true, out)
		gone := e.contact(t, phoneN(5), "Gone", nil, nil)
		e.exec(t, `UPDATE contacts SET not_on_whatsapp = ? WHERE id = ?`, true, gone)
		c := e.draft(t, campaign.Audience{Kind: "csv"},
			map[string]campaign.Source{"1": {From: "csv.primeiro_nome"}, "2": {From: "csv.oferta", Default: "frete grátis"}})
		csv := "telefone,primeiro_nome,oferta\n" +
			phoneN(1) + ",Ana,20% off\n" +
			"11 9" + phoneN(2)[6:] + ",Bia,\n" + // national form, default offer
			"12345,Zé,x\n" + // invalid
			phoneN(1) + ",Ana de novo,y\n" + // duplicate
			phoneN(4) + ",Opted,z\n" + // opted out
			phoneN(5) + ",Gone,z\n" + // not on WhatsApp
			phoneN(6) + ",,z\n" // missing {{1}}
		n, err := e.svc.UploadCSV(ctx, c.ID, strings.NewReader(csv))
		require.NoError(t, err)
		require.Equal(t, 7, n)
		p, err := e.svc.Preview(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 7, p.Total)
		require.Equal(t, 2, p.WillSend)
		require.Equal(t, map[string]int{"opted_out": 1, "invalid_number": 1, "duplicate": 1, "not_on_whatsapp": 1, "missing_variable": 1}, p.Skipped)
		require.Equal(t, map[string]map[string]string{
			phoneN(1): {"1": "Ana", "2": "20% off"},
			phoneN(2): {"1": "Bia", "2": "frete grátis"},
		}, recipientVars(t, db, c.ID))
		var buf bytes.Buffer
		require.NoError(t, e.svc.WriteSkipped(ctx, c.ID, &buf))
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		require.Len(t, lines, 6)
		require.Equal(t, "phone,reason,detail", lines[0])
		require.Contains(t, buf.String(), phoneN(6)+",missing_variable,1")
		require.Contains(t, buf.String(), "12345,invalid_number,")

		// A second preview recomputes, it does not add.
		p, err = e.svc.Preview(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 7, p.Total)
	})
}

func TestNoStartBeforeTestSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.contact(t, phoneN(1), "Ana", nil, nil)
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		_, err := e.svc.Start(ctx, c.ID)
		requireCode(t, err, "test_send_required")

		res, err := e.svc.Test(ctx, c.ID, phoneN(1))
		require.NoError(t, err)
		require.Equal(t, map[string]string{"1": "Ana", "2": "10% off"}, res.Variables)
		got, err := e.svc.Get(ctx, c.ID)
		require.NoError(t, err)
		require.True(t, got.TestPassed)

		// Changing the mapping asks for a new test.
		in := campaign.Input{Name: got.Name, Config: got.Config}
		in.Mapping = map[string]campaign.Source{"1": {From: "text:Oi"}, "2": {From: "text:5% off"}}
		got, err = e.svc.Update(ctx, c.ID, in)
		require.NoError(t, err)
		require.False(t, got.TestPassed)
		_, err = e.svc.Start(ctx, c.ID)
		requireCode(t, err, "test_send_required")

		// A test that failed does not count either.
		_, err = e.svc.Test(ctx, c.ID, phoneN(1))
		require.NoError(t, err)
		e.exec(t, `UPDATE messages SET status = 'failed', send_at = 0 WHERE source = ?`, fmt.Sprintf("campaign-test:%d", c.ID))
		_, err = e.svc.Start(ctx, c.ID)
		requireCode(t, err, "test_send_required")

		_, err = e.svc.Test(ctx, c.ID, phoneN(1))
		require.NoError(t, err)
		got, err = e.svc.Start(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, campaign.StatusRunning, got.Status)
		require.True(t, got.Expanded, "start expands an audience never previewed")
		_, err = e.svc.Update(ctx, c.ID, in)
		requireCode(t, err, "campaign_not_draft")
	})
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	ae, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, code, ae.Code)
}

// TestRunSendsEachOnceAndSplitsSenders: two senders split the audience
// evenly; every recipient gets one message; the campaign completes.
func TestRunSendsEachOnceAndSplitsSenders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		for i := 1; i <= 90; i++ {
			e.contact(t, phoneN(i), fmt.Sprintf("C%d", i), nil, nil)
		}
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping, e.sender.ID, e.sender2.ID)
		e.started(t, c, phoneN(1))
		e.rounds(t, c.ID, 50)
		got, err := e.svc.Get(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, campaign.StatusCompleted, got.Status)
		sends := e.sendsPerRecipient(t, c.ID)
		require.Len(t, sends, 90)
		for p, n := range sends {
			require.Equal(t, 1, n, p)
		}
		var s1, s2 int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE source = ? AND sender_id = ?`, fmt.Sprintf("campaign:%d", c.ID), e.sender.ID).Scan(&s1))
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE source = ? AND sender_id = ?`, fmt.Sprintf("campaign:%d", c.ID), e.sender2.ID).Scan(&s2))
		require.Equal(t, 45, s1)
		require.Equal(t, 45, s2)
		var bulk int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE source = ? AND bulk = ?`, fmt.Sprintf("campaign:%d", c.ID), true).Scan(&bulk))
		require.Equal(t, 90, bulk, "campaign sends are bulk sends")
		pr, err := e.svc.Progress(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 90, pr.Sent)
		require.Equal(t, 0, pr.Queued)
	})
}

// TestPacing: each round releases share × rate × elapsed of one sender,
// and nothing once two rounds' worth wait in the outbox.
func TestPacing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.exec(t, `UPDATE senders SET rate_limit = 20 WHERE id = ?`, e.sender.ID)
		for i := 1; i <= 100; i++ {
			e.contact(t, phoneN(i), "C", nil, nil)
		}
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		e.started(t, c, phoneN(1))
		sent := func() int {
			var n int
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = ? AND state = 'sent'`, c.ID).Scan(&n))
			return n
		}
		// 0.8 × 20/s over 0.5 s = 8 a round.
		for i := 1; i <= 3; i++ {
			e.clock.Add(campaign.DefaultTick)
			_, _, err := e.svc.Round(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, 8*i, sent())
			e.dispatch(t, "")
		}
		// The outbox stops sending: the round after one with its release
		// still queued adds one more (the outbox is usually still sending
		// the last round's tail), and then capacity is reserved, the queue
		// is not flooded.
		e.clock.Add(campaign.DefaultTick)
		_, _, err := e.svc.Round(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 32, sent())
		e.clock.Add(campaign.DefaultTick)
		_, _, err = e.svc.Round(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 40, sent())
		e.clock.Add(campaign.DefaultTick)
		_, _, err = e.svc.Round(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 40, sent(), "16 campaign messages still queued in the outbox: nothing more is released")
		e.dispatch(t, "")
		e.clock.Add(campaign.DefaultTick)
		_, _, err = e.svc.Round(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 48, sent(), "once the outbox sent them, one round's worth again (no burst for the rounds held back)")
	})
}

func TestDailyQuotaAndWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.exec(t, `UPDATE senders SET messaging_limit = 'TIER_250_UNKNOWN' WHERE id = ?`, e.sender.ID)
		require.Equal(t, 250, campaign.DailyQuota("TIER_250_UNKNOWN"))
		require.Equal(t, 1000, campaign.DailyQuota("TIER_1K"))
		require.Equal(t, 2000, campaign.DailyQuota("TIER_2K"), "Meta's 250 → 2,000 → 10,000 path; the sandbox reports TIER_2K")
		require.Equal(t, 50, campaign.DailyQuota("TIER_50"))
		require.Equal(t, 100000, campaign.DailyQuota("TIER_100K"))
		require.Equal(t, 250, campaign.DailyQuota("TIER_XK"))
		for i := 1; i <= 260; i++ {
			e.contact(t, phoneN(i), "C", nil, nil)
		}
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		e.started(t, c, phoneN(1))
		e.rounds(t, c.ID, 40)
		pr, err := e.svc.Progress(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 250, pr.Sent, "the daily quota holds the rest")
		require.Equal(t, 10, pr.Queued)
		e.clock.Add(24 * time.Hour)
		e.rounds(t, c.ID, 5)
		pr, err = e.svc.Progress(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 260, pr.Sent, "the rest carried to the next day")

		// A send window: nothing is released outside it.
		e.clock.Set(time.Date(2026, 3, 20, 22, 0, 0, 0, time.UTC)) // 19:00 in São Paulo
		c2 := e.draft(t, campaign.Audience{Kind: "contacts", Tags: []string{"none"}}, nameMapping)
		in := campaign.Input{Name: c2.Name, Config: c2.Config}
		in.Window = &campaign.Window{Start: "09:00", End: "18:00", TimeZone: "America/Sao_Paulo"}
		in.Audience = campaign.Audience{Kind: "csv"}
		_, err = e.svc.Update(ctx, c2.ID, in)
		require.NoError(t, err)
		_, err = e.svc.UploadCSV(ctx, c2.ID, strings.NewReader("phone\n"+phoneN(300)+"\n"))
		require.NoError(t, err)
		e.started(t, c2, phoneN(300))
		next, done, err := e.svc.Round(ctx, c2.ID)
		require.NoError(t, err)
		require.False(t, done)
		require.Equal(t, time.Minute, next)
		pr, err = e.svc.Progress(ctx, c2.ID)
		require.NoError(t, err)
		require.Equal(t, 0, pr.Sent)
		e.clock.Set(time.Date(2026, 3, 21, 12, 0, 0, 0, time.UTC)) // 09:00 there
		_, _, err = e.svc.Round(ctx, c2.ID)
		require.NoError(t, err)
		pr, err = e.svc.Progress(ctx, c2.ID)
		require.NoError(t, err)
		require.Equal(t, 1, pr.Sent)
	})
}

// TestAutoPauseAndResume: RED quality, offline and an error spike each
// pause the campaign with a notification; resume finishes it with every
// recipient sent exactly once.
func TestAutoPauseAndResume(t *testing.T) {
	for _, tc := range []struct {
		name   string
		breaks func(t *testing.T, e *env)
		heals  func(t *testing.T, e *env)
		reason string
	}{
		{"red", func(t *testing.T, e *env) { e.exec(t, `UPDATE senders SET quality_rating = 'RED'`) },
			func(t *testing.T, e *env) { e.exec(t, `UPDATE senders SET quality_rating = 'GREEN'`) }, "quality dropped to RED"},
		{"offline", func(t *testing.T, e *env) { e.exec(t, `UPDATE senders SET status = 'DISCONNECTED'`) },
			func(t *testing.T, e *env) { e.exec(t, `UPDATE senders SET status = 'CONNECTED'`) }, "is offline"},
		{"errors", func(*testing.T, *env) {}, func(*testing.T, *env) {}, "of the last"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db store.DB) {
				e := newEnv(t, db)
				ctx := context.Background()
				for i := 1; i <= 100; i++ {
					e.contact(t, phoneN(i), "C", nil, nil)
				}
				c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
				e.started(t, c, phoneN(1))
				e.rounds(t, c.ID, 1) // 32 out
				if tc.name == "errors" {
					e.clock.Add(campaign.DefaultTick)
					_, _, err := e.svc.Round(ctx, c.ID)
					require.NoError(t, err)
					e.dispatch(t, "131049") // these 32 fail: 32 of 64
				} else {
					tc.breaks(t, e)
				}
				e.clock.Add(campaign.DefaultTick)
				_, done, err := e.svc.Round(ctx, c.ID)
				require.NoError(t, err)
				require.True(t, done)
				got, err := e.svc.Get(ctx, c.ID)
				require.NoError(t, err)
				require.Equal(t, campaign.StatusPaused, got.Status)
				require.Contains(t, got.PauseReason, tc.reason)
				var notes int
				require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE kind = ? AND ref = ?`, campaign.NotifyKind, fmt.Sprintf("campaign:%d", c.ID)).Scan(&notes))
				require.Equal(t, 1, notes)
				before := len(e.sendsPerRecipient(t, c.ID))
				// Paused: rounds release nothing.
				e.rounds(t, c.ID, 3)
				require.Len(t, e.sendsPerRecipient(t, c.ID), before)

				tc.heals(t, e)
				if tc.name == "errors" {
					e.exec(t, `UPDATE campaigns SET config = REPLACE(config, '"error_share":0.2', '"error_share":0.9') WHERE id = ?`, c.ID)
				}
				_, err = e.svc.Resume(ctx, c.ID)
				require.NoError(t, err)
				e.rounds(t, c.ID, 20)
				got, err = e.svc.Get(ctx, c.ID)
				require.NoError(t, err)
				require.Equal(t, campaign.StatusCompleted, got.Status)
				sends := e.sendsPerRecipient(t, c.ID)
				require.Len(t, sends, 100, "none skipped")
				for p, n := range sends {
					require.Equal(t, 1, n, "%s sent twice", p)
				}
			})
		})
	}
}

func TestCancelStops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		for i := 1; i <= 100; i++ {
			e.contact(t, phoneN(i), "C", nil, nil)
		}
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		e.started(t, c, phoneN(1))
		e.rounds(t, c.ID, 1)
		_, err := e.svc.Cancel(ctx, c.ID)
		require.NoError(t, err)
		e.clock.Add(campaign.DefaultTick)
		_, done, err := e.svc.Round(ctx, c.ID)
		require.NoError(t, err)
		require.True(t, done, "the next round sees the cancel")
		require.Len(t, e.sendsPerRecipient(t, c.ID), 32)
		_, err = e.svc.Resume(ctx, c.ID)
		requireCode(t, err, "campaign_not_paused")
		pr, err := e.svc.Progress(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, 68, pr.Queued)
	})
}

// TestExpansionInBatches expands 10,000 contacts 1,000 per transaction.
func TestExpansionInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		const n = 10000
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			for i := 1; i <= n; i++ {
				p := phoneN(i)
				if _, err := tx.Exec(ctx, `INSERT INTO contacts (wa_id, phone, name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)`, p[1:], p, "C"); err != nil {
					return err
				}
			}
			return nil
		}))
		// Its speed is measured by make bench-campaign; here, that it is
		// done in slices of the batch, not in one transaction.
		counted := storetest.Counting(db)
		svc := campaign.New(campaign.Options{DB: counted, Accounts: e.accounts, Outbox: e.outbox, Now: e.clock.Now, Batch: 1000})
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		p, err := svc.Preview(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, n, p.Total)
		require.Equal(t, n, p.WillSend)
		require.GreaterOrEqual(t, counted.Txs(), int64(n/1000), "at least one transaction per 1,000 recipients")
	})
}

// TestScheduledAndManualPause: a campaign with a start time waits for
// it; a pause by hand stops the next round and resume continues.
func TestScheduledAndManualPause(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		for i := 1; i <= 50; i++ {
			e.contact(t, phoneN(i), "C", nil, nil)
		}
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		in := campaign.Input{Name: c.Name, Config: c.Config}
		at := t0.Add(2 * time.Hour)
		in.StartAt = &at
		_, err := e.svc.Update(ctx, c.ID, in)
		require.NoError(t, err)
		_, err = e.svc.Test(ctx, c.ID, phoneN(1))
		require.NoError(t, err)
		got, err := e.svc.Start(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, campaign.StatusScheduled, got.Status)
		next, done, err := e.svc.Round(ctx, c.ID)
		require.NoError(t, err)
		require.False(t, done)
		require.Equal(t, time.Minute, next)
		require.Empty(t, e.sendsPerRecipient(t, c.ID))

		e.clock.Set(at)
		e.rounds(t, c.ID, 1)
		got, err = e.svc.Get(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, campaign.StatusRunning, got.Status)
		require.Len(t, e.sendsPerRecipient(t, c.ID), 32)

		got, err = e.svc.Pause(ctx, c.ID, "")
		require.NoError(t, err)
		require.Equal(t, "paused by hand", got.PauseReason)
		require.Equal(t, 1, e.rounds(t, c.ID, 5), "the first round after the pause stops")
		require.Len(t, e.sendsPerRecipient(t, c.ID), 32)
		_, err = e.svc.Pause(ctx, c.ID, "")
		requireCode(t, err, "campaign_not_running")
		_, err = e.svc.Resume(ctx, c.ID)
		require.NoError(t, err)
		e.rounds(t, c.ID, 10)
		sends := e.sendsPerRecipient(t, c.ID)
		require.Len(t, sends, 50)
		for p, n := range sends {
			require.Equal(t, 1, n, p)
		}
	})
}

// TestReport: delivery states come from the messages, replies and
// opt-outs after the send are counted, and the timeline buckets by hour.
func TestReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		ids := map[int]int64{}
		for i := 1; i <= 5; i++ {
			ids[i] = e.contact(t, phoneN(i), "C", nil, nil)
		}
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		e.started(t, c, phoneN(1))
		e.rounds(t, c.ID, 3)
		src := fmt.Sprintf("campaign:%d", c.ID)
		later := store.Millis(e.clock.Now().Add(time.Hour))
		msgOf := func(i int) (msgID, convID int64) {
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT m.id, m.conversation_id FROM messages m JOIN conversations v ON v.id = m.conversation_id
				WHERE m.source = ? AND v.contact_id = ?`, src, ids[i]).Scan(&msgID, &convID))
			return
		}
		m1, conv1 := msgOf(1)
		m2, _ := msgOf(2)
		m3, _ := msgOf(3)
		e.exec(t, `UPDATE messages SET status = 'delivered', send_at = 0, delivered_at = ? WHERE id = ?`, later, m1)
		e.exec(t, `UPDATE messages SET status = 'read', send_at = 0, delivered_at = ?, read_at = ? WHERE id = ?`, later, later, m2)
		e.exec(t, `UPDATE messages SET status = 'failed', send_at = 0, error_code = 'undeliverable', failed_at = ? WHERE id = ?`, later, m3)
		e.exec(t, `INSERT INTO messages (conversation_id, direction, wamid, type, status, occurred_at, created_at, updated_at)
			VALUES (?, 'in', 'wamid.reply', 'text', 'received', ?, ?, ?)`, conv1, later, later, later)
		e.exec(t, `INSERT INTO contact_opt_out_changes (contact_id, opted_out_before, opted_out_after, source, user_id, detail, created_at)
			VALUES (?, ?, ?, 'keyword', 0, 'PARAR', ?)`, ids[4], false, true, later)

		p, err := e.svc.Progress(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, campaign.Progress{Sent: 4, Delivered: 2, Read: 1, Failed: 1, FailedByCode: map[string]int{"undeliverable": 1},
			Replied: 1, OptedOutAfter: 1}, p)

		failed, err := e.svc.Recipients(ctx, c.ID, "failed", 0, 0)
		require.NoError(t, err)
		require.Len(t, failed, 1)
		require.Equal(t, "failed", failed[0].State)
		require.Equal(t, "undeliverable", failed[0].ErrorCode)

		hours, err := e.svc.Timeline(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, []campaign.Hour{
			{Hour: t0, Sent: 5},
			{Hour: t0.Add(time.Hour), Delivered: 2, Read: 1, Failed: 1},
		}, hours)

		var buf bytes.Buffer
		require.NoError(t, e.svc.WriteRecipients(ctx, c.ID, &buf))
		require.Len(t, strings.Split(strings.TrimSpace(buf.String()), "\n"), 6)
		require.Contains(t, buf.String(), ",read,")
	})
}
