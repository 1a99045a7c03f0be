package campaign

import (
	"context"
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Hour is one hour of a campaign's timeline.
type Hour struct {
	Hour      time.Time `json:"hour"`
	Sent      int       `json:"sent"`
	Delivered int       `json:"delivered"`
	Read      int       `json:"read"`
	Failed    int       `json:"failed"`
}

// Timeline counts, per hour, the recipients released, and their
// messages delivered, read and failed, for the progress chart.
func (s *Service) Timeline(ctx context.Context, id int64) ([]Hour, error) {
	const h = int64(time.Hour / time.Millisecond)
	byHour := map[int64]*Hour{}
	add := func(q string, set func(*Hour, int)) error {
		rows, err := s.db.Read().Query(ctx, q, h, h, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var at int64
			var n int
			if err := rows.Scan(&at, &n); err != nil {
				return err
			}
			if byHour[at] == nil {
				byHour[at] = &Hour{Hour: store.Time(at).UTC()}
			}
			set(byHour[at], n)
		}
		return rows.Err()
	}
	const from = ` FROM campaign_recipients r JOIN messages m ON m.id = r.message_id WHERE r.campaign_id = ? AND `
	for _, q := range []struct {
		sql string
		set func(*Hour, int)
	}{
		{`SELECT (r.sent_at / ?) * ?, COUNT(*) FROM campaign_recipients r WHERE r.campaign_id = ? AND r.sent_at > 0 GROUP BY 1`, func(x *Hour, n int) { x.Sent += n }},
		{`SELECT (m.delivered_at / ?) * ?, COUNT(*)` + from + `m.delivered_at > 0 GROUP BY 1`, func(x *Hour, n int) { x.Delivered += n }},
		{`SELECT (m.read_at / ?) * ?, COUNT(*)` + from + `m.read_at > 0 GROUP BY 1`, func(x *Hour, n int) { x.Read += n }},
		{`SELECT (m.failed_at / ?) * ?, COUNT(*)` + from + `m.failed_at > 0 GROUP BY 1`, func(x *Hour, n int) { x.Failed += n }},
	} {
		if err := add(q.sql, q.set); err != nil {
			return nil, err
		}
	}
	out := make([]Hour, 0, len(byHour))
	for _, x := range byHour {
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Hour.Before(out[j].Hour) })
	return out, nil
}

// WriteRecipients writes every recipient with its state and error as
// CSV, a page at a time.
func (s *Service) WriteRecipients(ctx context.Context, id int64, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"phone", "contact_id", "sender_id", "state", "skip_reason", "error_code", "message_id", "sent_at"}); err != nil {
		return err
	}
	var after int64
	for {
		page, err := s.Recipients(ctx, id, "", after, 1000)
		if err != nil {
			return err
		}
		for _, r := range page {
			sent := ""
			if !r.SentAt.IsZero() {
				sent = r.SentAt.UTC().Format(time.RFC3339)
			}
			if err := cw.Write([]string{r.Phone, strconv.FormatInt(r.ContactID, 10), strconv.FormatInt(r.SenderID, 10), r.State, r.SkipReason,
				r.ErrorCode, strconv.FormatInt(r.MessageID, 10), sent}); err != nil {
				return err
			}
			after = r.ID
		}
		cw.Flush()
		if len(page) < 1000 {
			return cw.Error()
		}
	}
}
