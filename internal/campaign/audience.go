package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/store"
)

// Skip reasons.
const (
	SkipOptedOut        = "opted_out"
	SkipInvalidNumber   = "invalid_number"
	SkipDuplicate       = "duplicate"
	SkipNotOnWhatsApp   = "not_on_whatsapp"
	SkipMissingVariable = "missing_variable"
)

// Preview is the audience's counts before start.
type Preview struct {
	Total    int            `json:"total"`
	WillSend int            `json:"will_send"`
	Skipped  map[string]int `json:"skipped"`
	Warnings []string       `json:"warnings"`
}

// target is what expansion needs of the campaign's template and senders.
type target struct {
	template     account.Template
	placeholders []string
	region       string
	senders      []int64
}

func (s *Service) target(ctx context.Context, q store.Querier, c Campaign) (target, error) {
	var t target
	sn, err := account.SenderByID(ctx, q, c.SenderIDs[0])
	if errors.Is(err, store.ErrNotFound) {
		return t, apperr.Invalid("sender_ids", "sender_not_found", "no sender with this id")
	}
	if err != nil {
		return t, err
	}
	for _, id := range c.SenderIDs[1:] {
		if _, err := account.SenderByID(ctx, q, id); errors.Is(err, store.ErrNotFound) {
			return t, apperr.Invalid("sender_ids", "sender_not_found", "no sender with this id")
		} else if err != nil {
			return t, err
		}
	}
	acc, err := s.accounts.CachedAccountIn(ctx, q, sn.AccountID)
	if err != nil {
		return t, err
	}
	tpl, err := account.TemplateByName(ctx, q, sn.AccountID, c.Template.Name, c.Template.Language)
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
			return t, apperr.Invalid("template", "template_not_found", "template "+c.Template.Name+" ("+c.Template.Language+") not found for this sender's account")
		}
		return t, err
	}
	if tpl.Status != "APPROVED" {
		return t, apperr.Invalid("template", "template_not_approved", "template "+tpl.Name+" is "+tpl.Status+"; only APPROVED templates can be sent")
	}
	t = target{template: tpl, placeholders: messaging.TemplateVariables(tpl), region: acc.DefaultRegion, senders: c.SenderIDs}
	var unmapped []string
	for _, ph := range t.placeholders {
		if _, ok := c.Mapping[ph]; !ok {
			unmapped = append(unmapped, "{{"+ph+"}}")
		}
	}
	if len(unmapped) > 0 {
		return t, apperr.Invalid("mapping", "mapping_incomplete", "map every placeholder of the template: "+strings.Join(unmapped, ", ")+" has no source")
	}
	return t, nil
}

// optOutWords are what an opt-out button or text says.
var optOutWords = []string{"stop", "parar", "sair", "unsubscribe", "opt out", "opt-out", "descadastr", "cancelar inscri", "não quero receber"}

// warnings are what the preview warns about the template.
func warnings(t account.Template) []string {
	w := []string{}
	if t.Category == "MARKETING" {
		lower := strings.ToLower(string(t.Components))
		for _, word := range optOutWords {
			if strings.Contains(lower, word) {
				return w
			}
		}
		w = append(w, "marketing_without_opt_out: the template offers no opt-out (a quick reply or text such as \"Stop\"); recipients who cannot opt out report it as spam, which lowers the sender's quality")
	}
	return w
}

// Preview expands the audience into recipients (dropping an earlier
// expansion) and counts them. A campaign that has started keeps its
// recipients: its preview only counts.
func (s *Service) Preview(ctx context.Context, id int64) (Preview, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Preview{}, err
	}
	t, err := s.target(ctx, s.db.Read(), c)
	if err != nil {
		return Preview{}, err
	}
	if c.Status == StatusDraft {
		if err := s.expand(ctx, c, t); err != nil {
			return Preview{}, err
		}
	}
	p, err := s.counts(ctx, id)
	p.Warnings = warnings(t.template)
	return p, err
}

func (s *Service) counts(ctx context.Context, id int64) (Preview, error) {
	p := Preview{Skipped: map[string]int{SkipOptedOut: 0, SkipInvalidNumber: 0, SkipDuplicate: 0, SkipNotOnWhatsApp: 0, SkipMissingVariable: 0}}
	rows, err := s.db.Read().Query(ctx, `SELECT skip_reason, COUNT(*) FROM campaign_recipients WHERE campaign_id = ? GROUP BY skip_reason`, id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var reason string
		var n int
		if err := rows.Scan(&reason, &n); err != nil {
			return p, err
		}
		p.Total += n
		if reason == "" {
			p.WillSend += n
		} else {
			p.Skipped[reason] += n
		}
	}
	return p, rows.Err()
}

// expand writes the audience into campaign_recipients, one keyset page
// per transaction: memory and transaction size stay at one batch
// whatever the audience's size.
func (s *Service) expand(ctx context.Context, c Campaign, t target) error {
	if err := s.clearRecipients(ctx, c.ID); err != nil {
		return err
	}
	var after int64
	seq := 0
	for {
		var page []member
		var err error
		if c.Audience.Kind == "csv" {
			page, after, err = s.csvPage(ctx, c.ID, after, t.region)
		} else {
			page, after, err = s.contactPage(ctx, c.Audience, after)
		}
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		if err := s.db.InTx(ctx, func(tx store.Tx) error { return s.insertPage(ctx, tx, c, t, page, &seq) }); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE campaigns SET expanded = 1, updated_at = ? WHERE id = ?`, store.Millis(s.now()), c.ID)
		return err
	})
}

// contactPage reads the next page of contacts matching a.
func (s *Service) contactPage(ctx context.Context, a Audience, after int64) ([]member, int64, error) {
	where := []string{"k.id > ?"}
	args := []any{after}
	in := func(vals []string) string {
		for _, v := range vals {
			args = append(args, strings.ToLower(strings.TrimSpace(v)))
		}
		return strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
	}
	if len(a.Tags) > 0 {
		where = append(where, `EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = k.id AND LOWER(t.tag) IN (`+in(a.Tags)+`))`)
	}
	if len(a.LeadStatus) > 0 {
		where = append(where, `EXISTS (SELECT 1 FROM leads l WHERE l.contact_id = k.id AND LOWER(l.status) IN (`+in(a.LeadStatus)+`))`)
	}
	if len(a.LeadSource) > 0 {
		where = append(where, `EXISTS (SELECT 1 FROM leads l JOIN lead_sources ls ON ls.id = l.source_id WHERE l.contact_id = k.id AND LOWER(ls.name) IN (`+in(a.LeadSource)+`))`)
	}
	if a.LastMessageAfter != nil {
		where = append(where, `EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = k.id AND v.last_message_at >= ?)`)
		args = append(args, store.Millis(*a.LastMessageAfter))
	}
	if a.LastMessageBefore != nil {
		where = append(where, `NOT EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = k.id AND v.last_message_at >= ?)`)
		args = append(args, store.Millis(*a.LastMessageBefore))
	}
	if a.OptedInOnly {
		where = append(where, `k.opted_out = ?`)
		args = append(args, false)
	}
	args = append(args, s.batch)
	rows, err := s.db.Read().Query(ctx, `SELECT k.id, k.phone, k.name, k.profile_name, k.opted_out, k.not_on_whatsapp FROM contacts k
		WHERE `+strings.Join(where, " AND ")+` ORDER BY k.id LIMIT ?`, args...)
	if err != nil {
		return nil, after, err
	}
	var page []member
	for rows.Next() {
		var m member
		var name, profile string
		if err := rows.Scan(&m.contactID, &m.phone, &name, &profile, &m.optedOut, &m.notOnWA); err != nil {
			rows.Close()
			return nil, after, err
		}
		m.name = cmpOr(name, profile)
		page = append(page, m)
		after = m.contactID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, after, err
	}
	return page, after, s.details(ctx, page)
}

// csvPage reads the next page of the uploaded CSV with what zapflow knows
// of each number's contact.
func (s *Service) csvPage(ctx context.Context, id, after int64, region string) ([]member, int64, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT row_no, phone, columns FROM campaign_csv_rows WHERE campaign_id = ? AND row_no > ? ORDER BY row_no LIMIT ?`, id, after, s.batch)
	if err != nil {
		return nil, after, err
	}
	var page []member
	for rows.Next() {
		var m member
		var cols string
		if err := rows.Scan(&after, &m.phone, &cols); err != nil {
			rows.Close()
			return nil, after, err
		}
		if err := json.Unmarshal([]byte(cols), &m.csv); err != nil {
			rows.Close()
			return nil, after, err
		}
		page = append(page, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(page) == 0 {
		return page, after, err
	}
	// The contacts of these numbers, in one read.
	byWAID := map[string][]int{}
	var args []any
	for i, m := range page {
		if e, err := phone.Normalize(m.phone, region); err == nil {
			w := phone.WAID(e)
			if byWAID[w] == nil {
				args = append(args, w)
			}
			byWAID[w] = append(byWAID[w], i)
		}
	}
	if len(args) > 0 {
		crows, err := s.db.Read().Query(ctx, `SELECT id, wa_id, name, profile_name, opted_out, not_on_whatsapp FROM contacts WHERE wa_id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`)`, args...)
		if err != nil {
			return nil, after, err
		}
		for crows.Next() {
			var cid int64
			var w, name, profile string
			var opted, notOn bool
			if err := crows.Scan(&cid, &w, &name, &profile, &opted, &notOn); err != nil {
				crows.Close()
				return nil, after, err
			}
			for _, i := range byWAID[w] {
				page[i].contactID, page[i].name, page[i].optedOut, page[i].notOnWA = cid, cmpOr(name, profile), opted, notOn
			}
		}
		crows.Close()
		if err := crows.Err(); err != nil {
			return nil, after, err
		}
	}
	var known []member
	idx := map[int64][]int{}
	for i, m := range page {
		if m.contactID > 0 {
			idx[m.contactID] = append(idx[m.contactID], i)
			known = append(known, m)
		}
	}
	if err := s.details(ctx, known); err != nil {
		return nil, after, err
	}
	for _, m := range known {
		for _, i := range idx[m.contactID] {
			page[i].fields, page[i].leadStatus, page[i].leadSource = m.fields, m.leadStatus, m.leadSource
		}
	}
	for i := range page {
		if page[i].name == "" {
			page[i].name = page[i].csv["name"]
		}
	}
	return page, after, nil
}

// details loads the custom fields and latest lead of a page of contacts.
func (s *Service) details(ctx context.Context, page []member) error {
	if len(page) == 0 {
		return nil
	}
	pos := make(map[int64]int, len(page))
	args := make([]any, 0, len(page))
	for i := range page {
		pos[page[i].contactID] = i
		page[i].fields = map[string]string{}
		args = append(args, page[i].contactID)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	rows, err := s.db.Read().Query(ctx, `SELECT contact_id, name, value FROM contact_fields WHERE contact_id IN (`+marks+`)`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var cid int64
		var k, v string
		if err := rows.Scan(&cid, &k, &v); err != nil {
			rows.Close()
			return err
		}
		page[pos[cid]].fields[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.Read().Query(ctx, `SELECT l.contact_id, l.status, COALESCE(ls.name, '') FROM leads l LEFT JOIN lead_sources ls ON ls.id = l.source_id
		WHERE l.contact_id IN (`+marks+`) ORDER BY l.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cid int64
		var st, src string
		if err := rows.Scan(&cid, &st, &src); err != nil {
			return err
		}
		page[pos[cid]].leadStatus, page[pos[cid]].leadSource = st, src
	}
	return rows.Err()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
