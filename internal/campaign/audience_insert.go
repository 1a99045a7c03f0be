package campaign

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/store"
)

// recipientColumns are written per recipient by insertPage, in order.
const recipientColumns = 9

// insertChunk bounds the rows of one INSERT statement (9 parameters each:
// well under SQLite's and PostgreSQL's parameter limits).
const insertChunk = 500

// recipientRow is one member about to be written.
type recipientRow struct {
	contactID                              int64
	waID, phone, vars, state, reason, code string
	sender                                 int64
}

func (r recipientRow) args(campaignID int64) []any {
	return []any{campaignID, r.contactID, r.waID, r.phone, r.sender, r.vars, r.state, r.reason, r.code}
}

// insertPage writes one page of members, queued or skipped with their
// reason, in a few multi-row statements (one round trip per statement,
// not per member: on PostgreSQL that is most of an expansion's time).
// Senders are assigned in turn, so several senders split it evenly. A
// number already queued, earlier in the page or in an earlier page, is
// skipped as a duplicate.
func (s *Service) insertPage(ctx context.Context, tx store.Tx, c Campaign, t target, page []member, seq *int) error {
	var queued, skipped []recipientRow
	inPage := make(map[string]bool, len(page))
	for _, m := range page {
		r := s.recipientFor(c, t, m)
		if r.reason == "" && inPage[r.waID] {
			r.reason = SkipDuplicate
		}
		if r.reason != "" {
			r.state = "skipped"
			skipped = append(skipped, r)
			continue
		}
		inPage[r.waID] = true
		r.state, r.sender = "queued", t.senders[*seq%len(t.senders)]
		*seq++
		queued = append(queued, r)
	}
	const insert = `INSERT INTO campaign_recipients (campaign_id, contact_id, wa_id, phone, sender_id, variables, state, skip_reason, error_code) VALUES `
	for len(queued) > 0 {
		chunk := queued[:min(len(queued), insertChunk)]
		queued = queued[len(chunk):]
		args := make([]any, 0, len(chunk)*recipientColumns)
		for _, r := range chunk {
			args = append(args, r.args(c.ID)...)
		}
		rows, err := tx.Query(ctx, insert+valueTuples(len(chunk))+` ON CONFLICT (campaign_id, wa_id) WHERE skip_reason = '' DO NOTHING RETURNING wa_id`, args...)
		if err != nil {
			return err
		}
		written := make(map[string]bool, len(chunk))
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err != nil {
				rows.Close()
				return err
			}
			written[w] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range chunk {
			if !written[r.waID] { // queued by an earlier page
				r.state, r.reason, r.sender = "skipped", SkipDuplicate, 0
				skipped = append(skipped, r)
			}
		}
	}
	for len(skipped) > 0 {
		chunk := skipped[:min(len(skipped), insertChunk)]
		skipped = skipped[len(chunk):]
		args := make([]any, 0, len(chunk)*recipientColumns)
		for _, r := range chunk {
			args = append(args, r.args(c.ID)...)
		}
		if _, err := tx.Exec(ctx, insert+valueTuples(len(chunk)), args...); err != nil {
			return err
		}
	}
	return nil
}

// recipientFor resolves one member: its number, variables and, when it
// is not to be sent, why.
func (s *Service) recipientFor(c Campaign, t target, m member) recipientRow {
	r := recipientRow{contactID: m.contactID}
	e164, perr := phone.Normalize(m.phone, t.region)
	if perr == nil {
		r.phone, r.waID = e164, phone.WAID(e164)
	} else {
		r.phone, r.waID = m.phone, m.phone
	}
	vars, missing := resolve(c.Mapping, t.placeholders, m)
	b, _ := json.Marshal(vars) // a map of strings always marshals
	r.vars = string(b)
	switch {
	case perr != nil:
		r.reason = SkipInvalidNumber
	case m.optedOut:
		r.reason = SkipOptedOut
	case m.notOnWA:
		r.reason = SkipNotOnWhatsApp
	case len(missing) > 0:
		r.reason, r.code = SkipMissingVariable, strings.Join(missing, ",")
	}
	return r
}

// valueTuples is n "(?, …)" groups of recipientColumns placeholders.
func valueTuples(n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", recipientColumns), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}
