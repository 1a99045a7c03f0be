package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// `zapflow-bench campaign` writes its audience straight into the server's
// database (100,000 contacts through the API would measure the API, not
// the campaign engine), and reads the campaign's recipient list back from
// it to check every send against.

// campaignTag marks the seeded contacts; the campaigns' audience is that tag.
const campaignTag = "bench-campaign"

// campaignPhone is seeded contact i (0-based): +55 11 92xxx-xxxx, a valid
// Brazilian mobile number, distinct for i < 80,000,000.
func campaignPhone(i int) string { return fmt.Sprintf("+55119%08d", 20000000+i) }

// seedCampaignContacts inserts n contacts tagged campaignTag with SQL that
// generates the rows itself (a recursive CTE, the same on both
// databases), 50,000 per transaction.
func seedCampaignContacts(ctx context.Context, db store.DB, n int, now time.Time, progress io.Writer) error {
	at := store.Millis(now)
	for from := 0; from < n; from += seedChunk {
		to := min(from+seedChunk, n)
		err := db.InTx(ctx, func(tx store.Tx) error {
			var last int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM contacts`).Scan(&last); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `WITH RECURSIVE n(i) AS (SELECT CAST(? AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < CAST(? AS BIGINT))
				INSERT INTO contacts (wa_id, phone, name, created_at, updated_at)
				SELECT '55119' || CAST(20000000 + i AS TEXT), '+55119' || CAST(20000000 + i AS TEXT), 'Cliente ' || CAST(i AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT) FROM n`,
				from, to-1, at, at); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO contact_tags (contact_id, tag) SELECT id, ? FROM contacts WHERE id > ?`, campaignTag, last)
			return err
		})
		if err != nil {
			return fmt.Errorf("seed contacts %d–%d: %w", from, to, err)
		}
		fmt.Fprintf(progress, "\rseeded %d/%d contacts", to, n)
	}
	fmt.Fprintln(progress)
	// What a running server's indexer would have done long before a real
	// history this size: indexing is not what is measured.
	if err := store.IndexSearchAll(ctx, db); err != nil {
		return fmt.Errorf("index the seeded rows for search: %w", err)
	}
	// SQLite: fold the seed's write-ahead log into the database first.
	return store.TruncateLog(ctx, db)
}

// setCampaignShare writes the campaigns' send share setting (the part of
// each sender's rate campaigns may use); the server reads it within its
// settings cache's TTL (1s).
func setCampaignShare(ctx context.Context, db store.DB, share float64, now time.Time) error {
	v, err := json.Marshal(map[string]float64{"send_share": share})
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('campaigns', ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, string(v), store.Millis(now))
		return err
	})
}

// campaignRecipient is one row of the campaign's recipient list.
type campaignRecipient struct {
	ID    int64
	WaID  string
	State string
}

// campaignRecipients reads the campaign's recipients that were to be sent
// (not skipped), in release order.
func campaignRecipients(ctx context.Context, db store.DB, id int64) ([]campaignRecipient, error) {
	rows, err := db.Read().Query(ctx, `SELECT id, wa_id, state FROM campaign_recipients WHERE campaign_id = ? AND skip_reason = '' ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []campaignRecipient
	for rows.Next() {
		var r campaignRecipient
		if err := rows.Scan(&r.ID, &r.WaID, &r.State); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// releaseRounds reads when the campaign's runner released recipients:
// every recipient of a round carries the round's time as sent_at.
func releaseRounds(ctx context.Context, db store.DB, id int64) (at []time.Time, n []int, err error) {
	rows, err := db.Read().Query(ctx, `SELECT sent_at, COUNT(*) FROM campaign_recipients WHERE campaign_id = ? AND sent_at > 0 GROUP BY sent_at ORDER BY sent_at`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ms int64
		var k int
		if err := rows.Scan(&ms, &k); err != nil {
			return nil, nil, err
		}
		at, n = append(at, time.UnixMilli(ms)), append(n, k)
	}
	return at, n, rows.Err()
}
