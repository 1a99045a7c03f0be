package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Reads the web app's campaign pages need beyond the API's: what the
// wizard offers in the mapping (CSV columns, contact field names), the
// counts of an audience already expanded (a page load must not expand a
// large audience again) and the last test send's outcome. None of them
// changes anything.

// CSVInfo is an uploaded CSV audience: its row count and its columns
// (other than the phone), sorted.
func (s *Service) CSVInfo(ctx context.Context, id int64) (rows int, columns []string, err error) {
	if err := s.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM campaign_csv_rows WHERE campaign_id = ?`, id).Scan(&rows); err != nil {
		return 0, nil, err
	}
	columns = []string{}
	if rows == 0 {
		return 0, columns, nil
	}
	var raw string
	if err := s.db.Read().QueryRow(ctx, `SELECT columns FROM campaign_csv_rows WHERE campaign_id = ? ORDER BY row_no LIMIT 1`, id).Scan(&raw); err != nil {
		return rows, columns, err
	}
	var cols map[string]string
	if err := json.Unmarshal([]byte(raw), &cols); err != nil {
		return rows, columns, err
	}
	for k := range cols {
		columns = append(columns, k)
	}
	slices.Sort(columns)
	return rows, columns, nil
}

// FieldNames lists the contacts' custom field names in use, sorted: the
// contact.<field> sources a mapping may name.
func (s *Service) FieldNames(ctx context.Context) ([]string, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT DISTINCT name FROM contact_fields ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Placeholders lists the variables the campaign's template needs, in the
// template's order; it fails as a preview would when the senders or the
// template are not usable (the mapping may still be incomplete: the
// mapping form is where it is completed).
func (s *Service) Placeholders(ctx context.Context, id int64) ([]string, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := s.targetLoose(ctx, c)
	return t.placeholders, err
}

// targetLoose is target without its check that every placeholder is
// mapped.
func (s *Service) targetLoose(ctx context.Context, c Campaign) (target, error) {
	c.Mapping = nil
	t, err := s.target(ctx, s.db.Read(), c)
	if ae, ok := apperr.As(err); ok && ae.Code == "mapping_incomplete" {
		return t, nil
	}
	return t, err
}

// Summary is a campaign's audience counts as last expanded, with the
// template's warnings, without expanding again; expanded is false when
// there is nothing to count yet (a change dropped the expansion).
func (s *Service) Summary(ctx context.Context, id int64) (p Preview, expanded bool, err error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return p, false, err
	}
	t, err := s.targetLoose(ctx, c)
	if err != nil {
		return p, false, err
	}
	if p, err = s.counts(ctx, id); err != nil {
		return p, false, err
	}
	p.Warnings = warnings(t.template)
	return p, c.Expanded || c.Status != StatusDraft, nil
}

// LastTest is the campaign's last successful test send (MessageID 0:
// none yet) and its message's state now.
type LastTest struct {
	MessageID int64
	To        string
	Status    string // the message's: queued, sent, delivered, read or failed
	ErrorCode string
	ErrorText string
	// Current: the test covers the campaign's present senders, template
	// and mapping (Start asks for it).
	Current bool
}

// LastTestSend reads the campaign's last test send.
func (s *Service) LastTestSend(ctx context.Context, id int64) (LastTest, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return LastTest{}, err
	}
	lt := LastTest{Current: c.TestPassed}
	err = s.db.Read().QueryRow(ctx, `SELECT m.id, k.phone, m.status, m.error_code, m.error_message FROM campaigns c
		JOIN messages m ON m.id = c.test_message_id JOIN conversations v ON v.id = m.conversation_id JOIN contacts k ON k.id = v.contact_id
		WHERE c.id = ?`, id).Scan(&lt.MessageID, &lt.To, &lt.Status, &lt.ErrorCode, &lt.ErrorText)
	if errors.Is(err, store.ErrNotFound) {
		return LastTest{}, nil
	}
	return lt, err
}

// Tally is how far a campaign got: recipients to send, and of them the
// ones released (sent or failed).
type Tally struct {
	WillSend int
	Released int
}

// Tallies counts the recipients of each campaign of ids, one indexed
// read per campaign (the list page).
func (s *Service) Tallies(ctx context.Context, ids []int64) (map[int64]Tally, error) {
	out := make(map[int64]Tally, len(ids))
	for _, id := range ids {
		var tl Tally
		if err := s.db.Read().QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN state <> 'skipped' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state IN ('sent', 'failed') THEN 1 ELSE 0 END), 0) FROM campaign_recipients WHERE campaign_id = ?`, id).
			Scan(&tl.WillSend, &tl.Released); err != nil {
			return nil, err
		}
		out[id] = tl
	}
	return out, nil
}
