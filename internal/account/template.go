package account

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Template is a message template as last synced from the Cloud API.
type Template struct {
	ID              int64           `json:"id"`
	AccountID       int64           `json:"account_id"`
	MetaID          string          `json:"meta_id"`
	Name            string          `json:"name"`
	Language        string          `json:"language"`
	Category        string          `json:"category"`
	Status          string          `json:"status"`
	ParameterFormat string          `json:"parameter_format"`
	Components      json.RawMessage `json:"components"`
	Placeholders    []string        `json:"placeholders"`
	SyncedAt        time.Time       `json:"synced_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

const templateColumns = `id, account_id, meta_id, name, language, category, status, parameter_format, components, placeholders, synced_at, updated_at`

func scanTemplate(row store.Row) (Template, error) {
	var t Template
	var comps, ph string
	var synced, updated int64
	if err := row.Scan(&t.ID, &t.AccountID, &t.MetaID, &t.Name, &t.Language, &t.Category, &t.Status, &t.ParameterFormat,
		&comps, &ph, &synced, &updated); err != nil {
		return t, err
	}
	t.Components = json.RawMessage(comps)
	t.SyncedAt, t.UpdatedAt = store.Time(synced), store.Time(updated)
	if err := json.Unmarshal([]byte(ph), &t.Placeholders); err != nil {
		return t, err
	}
	return t, nil
}

// SyncTemplates replaces the account's templates with what the Cloud API
// lists now; templates deleted at Meta are removed here too. A status
// webhook applied while the list was on its way wins over the list: the
// list may have been read at Meta before the change the webhook reports
// (the sandbox syncs as it starts, right when its webhooks come; a person
// may press Sync while Meta approves a template), and no later webhook
// would set it right. Such a template keeps its status and is not
// deleted; the next sync settles it.
func (s *Service) SyncTemplates(ctx context.Context, accountID int64) (int, error) {
	acc, err := s.Account(ctx, accountID)
	if err != nil {
		return 0, err
	}
	if err := s.usable(acc); err != nil {
		return 0, err
	}
	// The last status webhook applied before the list is read (status_seq).
	var seen int64
	if err := s.db.Read().QueryRow(ctx, `SELECT COALESCE(MAX(status_seq), 0) FROM templates`).Scan(&seen); err != nil {
		return 0, err
	}
	list, err := s.graphFor(acc).ListTemplates(ctx, acc.AccessToken, acc.WABAID)
	if err != nil {
		return 0, graphError("listing the templates", err)
	}
	now := store.Millis(s.now())
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		keep := make([]any, 0, len(list))
		for _, t := range list {
			comps := string(t.Components)
			if comps == "" {
				comps = "[]"
			}
			ph, err := json.Marshal(nonNil(t.Placeholders()))
			if err != nil {
				return err
			}
			format := strings.ToUpper(t.ParameterFormat)
			if format == "" {
				format = "POSITIONAL"
			}
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO templates (account_id, meta_id, name, language, category, status, parameter_format, components, placeholders, synced_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (account_id, name, language) DO UPDATE SET meta_id = excluded.meta_id, category = excluded.category,
					status = CASE WHEN templates.status_seq > ? THEN templates.status ELSE excluded.status END,
					parameter_format = excluded.parameter_format, components = excluded.components,
					placeholders = excluded.placeholders, synced_at = excluded.synced_at, updated_at = excluded.updated_at
				RETURNING id`,
				accountID, t.ID, t.Name, t.Language, strings.ToUpper(t.Category), strings.ToUpper(t.Status), format, comps, string(ph), now, now,
				seen).Scan(&id); err != nil {
				return err
			}
			keep = append(keep, id)
		}
		// Templates Meta no longer lists are gone: delete by identity, not by
		// sync time, so two syncs in the same millisecond (or a clock that
		// stepped back) cannot keep a deleted template.
		q := `DELETE FROM templates WHERE account_id = ? AND status_seq <= ?`
		if len(keep) > 0 {
			q += ` AND id NOT IN (` + store.List(len(keep)) + `)`
		}
		_, err := tx.Exec(ctx, q, append([]any{accountID, seen}, keep...)...)
		return err
	})
	return len(list), err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TemplateFilter narrows Templates.
type TemplateFilter struct {
	AccountID int64
	Status    string
	Name      string
}

// Templates lists templates.
func (s *Service) Templates(ctx context.Context, f TemplateFilter) ([]Template, error) {
	q := `SELECT ` + templateColumns + ` FROM templates WHERE 1 = 1`
	var args []any
	if f.AccountID > 0 {
		q += ` AND account_id = ?`
		args = append(args, f.AccountID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, strings.ToUpper(f.Status))
	}
	if f.Name != "" {
		q += ` AND name = ?`
		args = append(args, f.Name)
	}
	rows, err := s.db.Read().Query(ctx, q+` ORDER BY name, language`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TemplateByName finds a template of an account in one language.
func TemplateByName(ctx context.Context, q store.Querier, accountID int64, name, language string) (Template, error) {
	t, err := scanTemplate(q.QueryRow(ctx, `SELECT `+templateColumns+` FROM templates WHERE account_id = ? AND name = ? AND language = ?`,
		accountID, name, language))
	if errors.Is(err, store.ErrNotFound) {
		return t, apperr.NotFound("template")
	}
	return t, err
}

// templateEventStatus maps a message_template_status_update event to the
// status it leaves the template in ("" = the event does not change it).
func templateEventStatus(event string) string {
	switch e := strings.ToUpper(event); e {
	case "APPROVED", "REJECTED", "PENDING", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION", "DELETED", "ARCHIVED", "LIMIT_EXCEEDED":
		return e
	case "REINSTATED", "UNARCHIVED":
		return "APPROVED"
	}
	return ""
}

// ApplyTemplateStatus applies a template status webhook inside the
// processing transaction. It matches by Meta's template id, falling back to
// name and language. A template not here yet (made in WhatsApp Manager, or
// not synced yet) gets its account a sync, which brings it with its status.
func (s *Service) ApplyTemplateStatus(ctx context.Context, tx store.Tx, wabaID string, u whatsapp.TemplateStatusUpdate) error {
	status := templateEventStatus(u.Event)
	if status == "" {
		return nil
	}
	now := store.Millis(s.now())
	// status_seq: above every template's, for a sync under way (SyncTemplates).
	const set = `UPDATE templates SET status = ?, updated_at = ?,
		status_seq = (SELECT COALESCE(MAX(t.status_seq), 0) + 1 FROM templates t) WHERE `
	n, err := tx.Exec(ctx, set+`meta_id = ? AND account_id IN (SELECT id FROM accounts WHERE waba_id = ?)`, status, now, u.TemplateID, wabaID)
	if err != nil || n > 0 {
		return err
	}
	if u.Name != "" {
		n, err = tx.Exec(ctx, set+`name = ? AND language = ? AND account_id IN (SELECT id FROM accounts WHERE waba_id = ?)`,
			status, now, u.Name, u.Language, wabaID)
		if err != nil || n > 0 {
			return err
		}
	}
	return s.syncSoon(ctx, tx, wabaID)
}

// ApplyTemplateCategory applies Meta's change of a template's category
// (the template_category_update webhook) to the templates of wabaID's
// accounts at once: the category decides whether a template is
// marketing, which opted-out contacts do not get, so a template Meta has
// moved to MARKETING must not go out as UTILITY until the next sync. An
// announced change (Correct set, New still the current category) changes
// nothing yet. Either way the team is told. A template not known here is
// left to a sync, queued as for a status change.
func (s *Service) ApplyTemplateCategory(ctx context.Context, tx store.Tx, wabaID string, u whatsapp.TemplateCategoryUpdate) error {
	name := cmp.Or(u.Name, u.TemplateID)
	if u.Language != "" {
		name += " (" + u.Language + ")"
	}
	ref := "template:" + u.TemplateID
	if u.Previous == "" {
		if u.Correct == "" || strings.EqualFold(u.Correct, u.New) {
			return nil
		}
		when := ""
		if !u.UpdateAt.IsZero() {
			when = " on " + u.UpdateAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		return notify.Add(ctx, tx, notify.KindTemplateCategory, "Meta will change a template's category",
			"Meta will move template "+name+" from "+u.New+" to "+u.Correct+when+".", ref, s.now())
	}
	category := strings.ToUpper(u.New)
	n, err := tx.Exec(ctx, `UPDATE templates SET category = ?, updated_at = ?
		WHERE meta_id = ? AND account_id IN (SELECT id FROM accounts WHERE waba_id = ?)`, category, store.Millis(s.now()), u.TemplateID, wabaID)
	if err != nil {
		return err
	}
	body := "Meta moved template " + name + " from " + strings.ToUpper(u.Previous) + " to " + category + "."
	if category == "MARKETING" {
		body += " Contacts who opted out of marketing no longer get it."
	}
	if err := notify.Add(ctx, tx, notify.KindTemplateCategory, "A template's category changed", body, ref, s.now()); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return s.syncSoon(ctx, tx, wabaID)
}

// syncSoon queues, in tx, a template sync of every account of wabaID,
// to run one unique period from now: webhooks that come meanwhile find it
// queued and not yet listed, so the one sync covers them all.
func (s *Service) syncSoon(ctx context.Context, tx store.Tx, wabaID string) error {
	ids, err := store.QueryIDs(ctx, tx, `SELECT id FROM accounts WHERE waba_id = ?`, wabaID)
	if err != nil || len(ids) == 0 {
		return err
	}
	at := s.now().Add(SyncTemplatesArgs{}.InsertOpts().UniqueOpts.ByPeriod)
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: SyncTemplatesArgs{AccountID: id, Cause: causeTemplateWebhook},
			InsertOpts: &river.InsertOpts{ScheduledAt: at}}
	}
	return s.queue.InsertManyTx(ctx, tx, params)
}

// causeTemplateWebhook is the Cause of the sync syncSoon queues.
const causeTemplateWebhook = "template_webhook"
