package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// countingDB counts, per write transaction, the rows inserted into one
// table (parameters ÷ the columns written per row, for single- and
// multi-row statements alike), so a test can see how a large write was
// split.
type countingDB struct {
	store.DB
	table   string
	columns int

	mu  sync.Mutex
	txs []int // inserts per transaction that inserted any
}

func (d *countingDB) InTx(ctx context.Context, fn func(store.Tx) error) error {
	n := 0
	err := d.DB.InTx(ctx, func(tx store.Tx) error { return fn(countingTx{Tx: tx, table: d.table, columns: d.columns, n: &n}) })
	if err == nil && n > 0 {
		d.mu.Lock()
		d.txs = append(d.txs, n)
		d.mu.Unlock()
	}
	return err
}

// reset forgets what was counted so far.
func (d *countingDB) reset() {
	d.mu.Lock()
	d.txs = nil
	d.mu.Unlock()
}

func (d *countingDB) counts() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]int(nil), d.txs...)
}

type countingTx struct {
	store.Tx
	table   string
	columns int
	n       *int
}

func (t countingTx) count(q string, args []any) {
	if strings.Contains(q, "INSERT INTO "+t.table+" ") {
		*t.n += len(args) / t.columns
	}
}

func (t countingTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	t.count(q, args)
	return t.Tx.Exec(ctx, q, args...)
}

func (t countingTx) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	t.count(q, args)
	return t.Tx.Query(ctx, q, args...)
}

// TestExpansionInBoundedBatches: a 1,050-member audience with Batch 100
// is written 100 recipients per transaction (11 transactions), from the
// contacts and from an uploaded CSV alike, so neither memory nor a
// transaction grows with the audience; a number repeated on a later page
// is still skipped as a duplicate.
func TestExpansionInBoundedBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		const n, batch = 1050, 100
		var file strings.Builder
		file.WriteString("phone,name\n")
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			for i := 1; i <= n; i++ {
				p := phoneN(i)
				fmt.Fprintf(&file, "%s,C%d\n", p, i)
				if _, err := tx.Exec(ctx, `INSERT INTO contacts (wa_id, phone, name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)`, p[1:], p, "C"); err != nil {
					return err
				}
			}
			return nil
		}))
		cdb := &countingDB{DB: db, table: "campaign_recipients", columns: 9}
		svc := campaign.New(campaign.Options{DB: cdb, Accounts: e.accounts, Outbox: e.outbox, Now: e.clock.Now, Batch: batch})
		want := []int{100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 50}

		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		p, err := svc.Preview(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, n, p.WillSend)
		require.Equal(t, want, cdb.counts(), "recipients written per transaction")

		cdb.reset()
		fmt.Fprintf(&file, "%s,again\n", phoneN(1))
		c2 := e.draft(t, campaign.Audience{Kind: "csv"}, map[string]campaign.Source{"1": {From: "csv.name"}, "2": {From: "text:x"}})
		rows, err := svc.UploadCSV(ctx, c2.ID, strings.NewReader(file.String()))
		require.NoError(t, err)
		require.Equal(t, n+1, rows)
		require.Empty(t, cdb.counts(), "the upload writes CSV rows, not recipients")
		p, err = svc.Preview(ctx, c2.ID)
		require.NoError(t, err)
		require.Equal(t, n, p.WillSend)
		require.Equal(t, 1, p.Skipped[campaign.SkipDuplicate], "the repeat on the last page")
		want[len(want)-1] += 2 // the repeat is tried as queued (the conflict drops it), then written as skipped
		require.Equal(t, want, cdb.counts(), "recipients written per transaction")

		// The upload itself is batched too.
		cdb2 := &countingDB{DB: db, table: "campaign_csv_rows", columns: 4}
		svc2 := campaign.New(campaign.Options{DB: cdb2, Accounts: e.accounts, Outbox: e.outbox, Now: e.clock.Now, Batch: batch})
		_, err = svc2.UploadCSV(ctx, c2.ID, strings.NewReader(file.String()))
		require.NoError(t, err)
		require.Len(t, cdb2.counts(), 11, "CSV rows written in transactions of at most 100: %v", cdb2.counts())
		require.Equal(t, n+1, sum(cdb2.counts()))
		for _, k := range cdb2.counts() {
			require.LessOrEqual(t, k, batch)
		}
	})
}

// TestCampaignsShareSenderFairly: two campaigns on one sender split its
// campaign share evenly, whichever runs its round first each tick; when
// one finishes, the other gets the whole share.
func TestCampaignsShareSenderFairly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.exec(t, `UPDATE senders SET rate_limit = 20 WHERE id = ?`, e.sender.ID)
		for i := 1; i <= 200; i++ {
			tag := "big"
			if i <= 40 {
				tag = "small"
			}
			e.contact(t, phoneN(i), "C", []string{tag}, nil)
		}
		a := e.draft(t, campaign.Audience{Kind: "contacts", Tags: []string{"small"}}, nameMapping)
		b := e.draft(t, campaign.Audience{Kind: "contacts", Tags: []string{"big"}}, nameMapping)
		e.started(t, a, phoneN(1))
		e.started(t, b, phoneN(41))
		sent := func(id int64) int {
			var n int
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = ? AND state = 'sent'`, id).Scan(&n))
			return n
		}
		// The outbox takes each round's release only after both rounds ran:
		// a's messages are still queued when b's round looks.
		round := func(first, second int64) {
			e.clock.Add(campaign.DefaultTick)
			for _, id := range []int64{first, second} {
				_, _, err := e.svc.Round(ctx, id)
				require.NoError(t, err)
			}
			e.dispatch(t, "")
		}
		// 0.8 × 20/s split in two = 8/s each, 4 a round.
		for i := 1; i <= 5; i++ {
			round(a.ID, b.ID)
			require.Equal(t, 4*i, sent(a.ID), "round %d", i)
			require.Equal(t, 4*i, sent(b.ID), "round %d: b is not starved by a's queued release", i)
		}
		for i := 6; i <= 10; i++ {
			round(b.ID, a.ID)
			require.Equal(t, 4*i, sent(a.ID), "round %d", i)
			require.Equal(t, 4*i, sent(b.ID), "round %d", i)
		}
		// a has 40 recipients: all out after 10 rounds. Its next round
		// completes it, and b's (in the same tick) gets the whole share.
		round(a.ID, b.ID)
		got, err := e.svc.Get(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, campaign.StatusCompleted, got.Status)
		require.Equal(t, 40, sent(a.ID))
		require.Equal(t, 48, sent(b.ID), "0.8 × 20/s × 0.5 s once b runs alone")
		e.rounds(t, b.ID, 1)
		require.Equal(t, 56, sent(b.ID))
	})
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
