package campaign

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// UploadCSV replaces a draft's CSV audience: a header row naming a phone
// column ("phone", "telefone" or "whatsapp"; else the first column) and
// any others, usable in the mapping as csv.<column>. Rows are written a
// batch per transaction. It returns the number of rows.
func (s *Service) UploadCSV(ctx context.Context, id int64, r io.Reader) (int, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	if c.Status != StatusDraft {
		return 0, apperr.New(apperr.KindConflict, "campaign_not_draft", "only a draft campaign can be changed; this one is "+c.Status)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return 0, apperr.Invalid("file", "invalid_csv", "the CSV file has no header row")
	}
	phoneCol := 0
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		switch strings.ToLower(header[i]) {
		case "phone", "telefone", "whatsapp", "celular":
			phoneCol = i
		}
	}
	if err := s.db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM campaign_csv_rows WHERE campaign_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE campaigns SET expanded = 0, updated_at = ? WHERE id = ?`, store.Millis(s.now()), id)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	batch := make([][]string, 0, s.batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.db.InTx(ctx, func(tx store.Tx) error {
			for _, rec := range batch {
				n++
				cols := map[string]string{}
				for i, v := range rec {
					if i < len(header) && i != phoneCol {
						cols[header[i]] = strings.TrimSpace(v)
					}
				}
				b, _ := json.Marshal(cols)
				ph := ""
				if phoneCol < len(rec) {
					ph = strings.TrimSpace(rec[phoneCol])
				}
				if _, err := tx.Exec(ctx, `INSERT INTO campaign_csv_rows (campaign_id, row_no, phone, columns) VALUES (?, ?, ?, ?)`, id, n, ph, string(b)); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, apperr.Invalid("file", "invalid_csv", "the CSV file cannot be read after row "+strconv.Itoa(n+len(batch))+": "+err.Error())
		}
		batch = append(batch, rec)
		if len(batch) == s.batch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	return n, s.clearRecipients(ctx, id)
}

// WriteSkipped writes the skipped recipients as CSV (phone, reason,
// detail), a page at a time.
func (s *Service) WriteSkipped(ctx context.Context, id int64, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"phone", "reason", "detail"}); err != nil {
		return err
	}
	var after int64
	for {
		rows, err := s.db.Read().Query(ctx, `SELECT id, phone, skip_reason, error_code FROM campaign_recipients
			WHERE campaign_id = ? AND state = 'skipped' AND id > ? ORDER BY id LIMIT ?`, id, after, s.batch)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var ph, reason, detail string
			if err := rows.Scan(&after, &ph, &reason, &detail); err != nil {
				rows.Close()
				return err
			}
			n++
			if err := cw.Write([]string{ph, reason, detail}); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		cw.Flush()
		if n < s.batch {
			return cw.Error()
		}
	}
}
