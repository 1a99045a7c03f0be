package account_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

const appointmentComponents = `[{"type":"BODY","text":"Olá {{1}}, seu compromisso com {{2}} está confirmado para {{3}}. Local: {{4}}"},{"type":"FOOTER","text":"Responda esta mensagem para remarcar"}]`

func appointmentTemplate(status string) whatsapp.Template {
	return whatsapp.Template{
		ID: "1000000000000101", Name: "appointment_confirmation", Language: "pt_BR", Category: "utility",
		Status: status, ParameterFormat: "POSITIONAL", Components: json.RawMessage(appointmentComponents),
	}
}

func namedTemplate() whatsapp.Template {
	return whatsapp.Template{
		ID: "1000000000000105", Name: "order_named", Language: "en_US", Category: "UTILITY", Status: "APPROVED",
		ParameterFormat: "named",
		Components: json.RawMessage(`[{"type":"HEADER","format":"TEXT","text":"Hi {{header_only}}"},` +
			`{"type":"BODY","text":"Hi {{first_name}}, order {{order_id}} ships soon, {{ first_name }}."}]`),
	}
}

func promoTemplate() whatsapp.Template {
	// No parameter_format (Meta's default is positional) and no components.
	return whatsapp.Template{ID: "1000000000000104", Name: "promo_offer", Language: "pt_BR", Category: "MARKETING", Status: "pending"}
}

func templatesByName(t *testing.T, ts []account.Template) map[string]account.Template {
	t.Helper()
	out := map[string]account.Template{}
	for _, tp := range ts {
		out[tp.Name+"/"+tp.Language] = tp
	}
	return out
}

func TestSyncTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1100")
		e.graph.setTemplates("1100", appointmentTemplate("APPROVED"), namedTemplate(), promoTemplate())

		n, err := e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, 3, n)
		require.Equal(t, graphCall{Method: "ListTemplates", GraphURL: "https://graph.example", Token: "EAAG-token-1100", ID: "1100"},
			e.graph.Calls()[0])

		ts, err := e.svc.Templates(ctx, account.TemplateFilter{})
		require.NoError(t, err)
		require.Equal(t, []string{"appointment_confirmation", "order_named", "promo_offer"},
			[]string{ts[0].Name, ts[1].Name, ts[2].Name}, "ordered by name")

		appt := ts[0]
		require.Positive(t, appt.ID)
		require.Equal(t, a.ID, appt.AccountID)
		require.Equal(t, "1000000000000101", appt.MetaID)
		require.Equal(t, "pt_BR", appt.Language)
		require.Equal(t, "UTILITY", appt.Category)
		require.Equal(t, "APPROVED", appt.Status)
		require.Equal(t, "POSITIONAL", appt.ParameterFormat)
		require.JSONEq(t, appointmentComponents, string(appt.Components))
		require.Equal(t, []string{"1", "2", "3", "4"}, appt.Placeholders)
		require.Equal(t, t0, appt.SyncedAt)
		require.Equal(t, t0, appt.UpdatedAt)

		named := ts[1]
		require.Equal(t, "NAMED", named.ParameterFormat)
		require.Equal(t, []string{"first_name", "order_id"}, named.Placeholders, "BODY only, deduplicated, first-appearance order")

		promo := ts[2]
		require.Equal(t, "PENDING", promo.Status)
		require.Equal(t, "POSITIONAL", promo.ParameterFormat)
		require.Equal(t, "[]", string(promo.Components))
		require.Equal(t, []string{}, promo.Placeholders)

		// Second sync: one status changed, one template deleted at Meta.
		e.clock.Add(time.Minute)
		e.graph.setTemplates("1100", appointmentTemplate("PAUSED"), namedTemplate())
		n, err = e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		ts, err = e.svc.Templates(ctx, account.TemplateFilter{AccountID: a.ID})
		require.NoError(t, err)
		require.Len(t, ts, 2)
		byName := templatesByName(t, ts)
		require.NotContains(t, byName, "promo_offer/pt_BR")
		require.Equal(t, appt.ID, byName["appointment_confirmation/pt_BR"].ID, "updated in place")
		require.Equal(t, "PAUSED", byName["appointment_confirmation/pt_BR"].Status)
		require.Equal(t, t0.Add(time.Minute), byName["appointment_confirmation/pt_BR"].SyncedAt)
		require.Equal(t, t0.Add(time.Minute), byName["appointment_confirmation/pt_BR"].UpdatedAt)

		// A failing list changes nothing.
		e.clock.Add(time.Minute)
		e.graph.setTemplatesErr(&whatsapp.APIError{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
		_, err = e.svc.SyncTemplates(ctx, a.ID)
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_access_token", "")
		ts, err = e.svc.Templates(ctx, account.TemplateFilter{AccountID: a.ID})
		require.NoError(t, err)
		require.Len(t, ts, 2)

		// An empty list at Meta empties ours.
		e.clock.Add(time.Minute)
		e.graph.setTemplatesErr(nil)
		e.graph.setTemplates("1100")
		n, err = e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, 0, n)
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM templates`))

		_, err = e.svc.SyncTemplates(ctx, 777)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func TestSyncTemplatesLeavesOtherAccountsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1200")
		b := e.createAccount(t, "1201")
		e.graph.setTemplates("1200", appointmentTemplate("APPROVED"))
		e.graph.setTemplates("1201", appointmentTemplate("REJECTED"), promoTemplate())
		_, err := e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		_, err = e.svc.SyncTemplates(ctx, b.ID)
		require.NoError(t, err)

		e.clock.Add(time.Minute)
		e.graph.setTemplates("1200")
		_, err = e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)

		ofA, err := e.svc.Templates(ctx, account.TemplateFilter{AccountID: a.ID})
		require.NoError(t, err)
		require.Empty(t, ofA)
		ofB, err := e.svc.Templates(ctx, account.TemplateFilter{AccountID: b.ID})
		require.NoError(t, err)
		require.Len(t, ofB, 2)
		require.Equal(t, "REJECTED", templatesByName(t, ofB)["appointment_confirmation/pt_BR"].Status)
	})
}

func TestTemplatesFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1300")
		b := e.createAccount(t, "1301")
		e.graph.setTemplates("1300", appointmentTemplate("APPROVED"), namedTemplate(), promoTemplate())
		e.graph.setTemplates("1301", appointmentTemplate("REJECTED"))
		for _, id := range []int64{a.ID, b.ID} {
			_, err := e.svc.SyncTemplates(ctx, id)
			require.NoError(t, err)
		}
		type key struct {
			account int64
			name    string
		}
		keys := func(f account.TemplateFilter) []key {
			ts, err := e.svc.Templates(ctx, f)
			require.NoError(t, err)
			out := []key{}
			for _, tp := range ts {
				out = append(out, key{tp.AccountID, tp.Name})
			}
			return out
		}
		require.Len(t, keys(account.TemplateFilter{}), 4)
		require.Equal(t, []key{{a.ID, "appointment_confirmation"}, {a.ID, "order_named"}},
			keys(account.TemplateFilter{Status: "approved"}), "status is case-insensitive")
		require.Equal(t, []key{{a.ID, "appointment_confirmation"}},
			keys(account.TemplateFilter{AccountID: a.ID, Name: "appointment_confirmation"}))
		require.ElementsMatch(t, []key{{a.ID, "appointment_confirmation"}, {b.ID, "appointment_confirmation"}},
			keys(account.TemplateFilter{Name: "appointment_confirmation"}))
		require.Equal(t, []key{{b.ID, "appointment_confirmation"}}, keys(account.TemplateFilter{AccountID: b.ID}))
		require.Equal(t, []key{{b.ID, "appointment_confirmation"}}, keys(account.TemplateFilter{Status: "REJECTED"}))
		require.Equal(t, []key{}, keys(account.TemplateFilter{AccountID: b.ID, Status: "APPROVED"}))

		tp, err := account.TemplateByName(ctx, db.Read(), a.ID, "order_named", "en_US")
		require.NoError(t, err)
		require.Equal(t, "1000000000000105", tp.MetaID)
		_, err = account.TemplateByName(ctx, db.Read(), a.ID, "order_named", "pt_BR")
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func applyTemplateStatus(t *testing.T, e *env, wabaID string, u whatsapp.TemplateStatusUpdate) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error {
		return e.svc.ApplyTemplateStatus(ctx, tx, wabaID, u)
	}))
}

func TestApplyTemplateStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1400")
		b := e.createAccount(t, "1401")
		e.graph.setTemplates("1400", appointmentTemplate("APPROVED"), namedTemplate())
		e.graph.setTemplates("1401", appointmentTemplate("APPROVED"))
		for _, id := range []int64{a.ID, b.ID} {
			_, err := e.svc.SyncTemplates(ctx, id)
			require.NoError(t, err)
		}

		// By Meta's id, only within the named WABA (b shares the meta id here).
		e.clock.Add(time.Minute)
		applyTemplateStatus(t, e, "1400", whatsapp.TemplateStatusUpdate{Event: "PAUSED", TemplateID: "1000000000000101",
			Name: "appointment_confirmation", Language: "pt_BR"})
		tp := e.template(t, a.ID, "appointment_confirmation", "pt_BR")
		require.Equal(t, "PAUSED", tp.Status)
		require.Equal(t, t0.Add(time.Minute), tp.UpdatedAt)
		require.Equal(t, t0, tp.SyncedAt)
		require.Equal(t, "APPROVED", e.template(t, b.ID, "appointment_confirmation", "pt_BR").Status, "another WABA's template")

		// REINSTATED means approved again.
		applyTemplateStatus(t, e, "1400", whatsapp.TemplateStatusUpdate{Event: "REINSTATED", TemplateID: "1000000000000101"})
		require.Equal(t, "APPROVED", e.template(t, a.ID, "appointment_confirmation", "pt_BR").Status)
		applyTemplateStatus(t, e, "1400", whatsapp.TemplateStatusUpdate{Event: "disabled", TemplateID: "1000000000000101"})
		require.Equal(t, "DISABLED", e.template(t, a.ID, "appointment_confirmation", "pt_BR").Status)
		applyTemplateStatus(t, e, "1400", whatsapp.TemplateStatusUpdate{Event: "UNARCHIVED", TemplateID: "1000000000000101"})
		require.Equal(t, "APPROVED", e.template(t, a.ID, "appointment_confirmation", "pt_BR").Status)

		// Unknown meta id: fall back to name and language.
		applyTemplateStatus(t, e, "1400", whatsapp.TemplateStatusUpdate{Event: "REJECTED", TemplateID: "999", Name: "order_named", Language: "en_US"})
		require.Equal(t, "REJECTED", e.template(t, a.ID, "order_named", "en_US").Status)
		// ... which must match the language too, and the WABA.
		applyTemplateStatus(t, e, "1400", whatsapp.TemplateStatusUpdate{Event: "PAUSED", TemplateID: "998", Name: "order_named", Language: "pt_BR"})
		require.Equal(t, "REJECTED", e.template(t, a.ID, "order_named", "en_US").Status)
		applyTemplateStatus(t, e, "1401", whatsapp.TemplateStatusUpdate{Event: "PAUSED", TemplateID: "997", Name: "order_named", Language: "en_US"})
		require.Equal(t, "REJECTED", e.template(t, a.ID, "order_named", "en_US").Status)

		// An event that is not a status change (FLAGGED warns only) changes nothing.
		e.clock.Add(time.Minute)
		before := e.template(t, a.ID, "appointment_confirmation", "pt_BR")
		applyTemplateStatus(t, e, "1400", whatsapp.TemplateStatusUpdate{Event: "FLAGGED", TemplateID: "1000000000000101"})
		applyTemplateStatus(t, e, "1400", whatsapp.TemplateStatusUpdate{Event: "SOMETHING_NEW", TemplateID: "1000000000000101"})
		require.Equal(t, before, e.template(t, a.ID, "appointment_confirmation", "pt_BR"))

		// A rolled-back transaction leaves the status alone.
		err := db.InTx(ctx, func(tx store.Tx) error {
			require.NoError(t, e.svc.ApplyTemplateStatus(ctx, tx, "1400", whatsapp.TemplateStatusUpdate{Event: "PAUSED", TemplateID: "1000000000000101"}))
			return errRollback
		})
		require.ErrorIs(t, err, errRollback)
		require.Equal(t, "APPROVED", e.template(t, a.ID, "appointment_confirmation", "pt_BR").Status)
	})
}

// A sync whose clock reads the same millisecond as the previous sync's
// (or earlier: clock steps, instances with skewed clocks) must still drop
// templates deleted at Meta. SyncTemplates deletes by `synced_at < now`, so
// it does not.
func TestSyncTemplatesDeletesWithoutClockAdvance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1900")
		e.graph.setTemplates("1900", appointmentTemplate("APPROVED"), promoTemplate())
		_, err := e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		e.graph.setTemplates("1900", appointmentTemplate("APPROVED"))
		_, err = e.svc.SyncTemplates(ctx, a.ID) // clock not advanced
		require.NoError(t, err)
		ts, err := e.svc.Templates(ctx, account.TemplateFilter{AccountID: a.ID})
		require.NoError(t, err)
		require.Len(t, ts, 1, "promo_offer was deleted at Meta")
	})
}

// A status webhook applied while a sync's list is on its way wins over
// the list, which Meta may have read before the change: the startup sync
// and the webhooks of a new account's templates come at the same time.
// A later sync, with no webhook meanwhile, has the last word again.
func TestSyncKeepsStatusesWebhooksSetWhileListing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1500")
		status := func(name, lang string) string { return e.template(t, a.ID, name, lang).Status }
		e.graph.setTemplates("1500", appointmentTemplate("PAUSED"), promoTemplate())
		_, err := e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "PAUSED", status("appointment_confirmation", "pt_BR"))

		// Meta reinstates the template and deletes promo_offer; the list
		// was read before, the webhooks come while it is on its way.
		e.graph.setTemplates("1500", appointmentTemplate("PAUSED"))
		e.graph.setOnList(func() {
			applyTemplateStatus(t, e, "1500", whatsapp.TemplateStatusUpdate{Event: "REINSTATED", TemplateID: "1000000000000101"})
			applyTemplateStatus(t, e, "1500", whatsapp.TemplateStatusUpdate{Event: "APPROVED", TemplateID: "1000000000000104"})
		})
		e.clock.Add(time.Minute)
		_, err = e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "APPROVED", status("appointment_confirmation", "pt_BR"), "the webhook, not the older list")
		require.Equal(t, "APPROVED", status("promo_offer", "pt_BR"), "a template a webhook just spoke of is not deleted")
		require.Equal(t, t0.Add(time.Minute), e.template(t, a.ID, "appointment_confirmation", "pt_BR").SyncedAt,
			"the rest of the template is synced")

		// The next sync, with no webhook on the way, is taken as it is.
		e.graph.setOnList(nil)
		e.clock.Add(time.Minute)
		_, err = e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "PAUSED", status("appointment_confirmation", "pt_BR"))
		_, err = account.TemplateByName(ctx, db.Read(), a.ID, "promo_offer", "pt_BR")
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

// A status webhook for a template zapflow does not have (made in WhatsApp
// Manager, or not synced yet) queues a sync of its WABA's account, one
// that a sync queued shortly before (the sandbox's, as it starts) cannot
// swallow: that one may have listed before the change.
func TestTemplateStatusOfUnknownTemplateQueuesSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1600")
		e.createAccount(t, "1601")
		before := e.jobCount(t, "template.sync")
		syncsOf := func(id int64) int {
			arg := `json_extract(args, '$.account_id')` // River keeps SQLite's args as JSONB
			if db.Dialect() == store.Postgres {
				arg = `(args->>'account_id')::bigint`
			}
			return e.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'template.sync' AND `+arg+` = ?`, id)
		}
		// A sync queued shortly before, in the same unique period.
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return e.queue.InsertTx(ctx, tx, account.SyncTemplatesArgs{AccountID: a.ID}, &river.InsertOpts{ScheduledAt: e.clock.Now()})
		}))
		before++
		beforeA := syncsOf(a.ID)

		applyTemplateStatus(t, e, "1600", whatsapp.TemplateStatusUpdate{Event: "APPROVED", TemplateID: "555", Name: "new_offer", Language: "pt_BR"})
		require.Equal(t, before+1, e.jobCount(t, "template.sync"), "for 1600's account only")
		require.Equal(t, beforeA+1, syncsOf(a.ID))

		// The sync brings the template with the status Meta has now.
		e.graph.setTemplates("1600", whatsapp.Template{ID: "555", Name: "new_offer", Language: "pt_BR", Category: "MARKETING", Status: "APPROVED"})
		_, err := e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "APPROVED", e.template(t, a.ID, "new_offer", "pt_BR").Status)

		// A known template's webhook queues nothing.
		applyTemplateStatus(t, e, "1600", whatsapp.TemplateStatusUpdate{Event: "PAUSED", TemplateID: "555"})
		require.Equal(t, before+1, e.jobCount(t, "template.sync"))
		// Nor does one for a WABA no account has.
		applyTemplateStatus(t, e, "9999", whatsapp.TemplateStatusUpdate{Event: "APPROVED", TemplateID: "1", Name: "x", Language: "en"})
		require.Equal(t, before+1, e.jobCount(t, "template.sync"))
	})
}

// TestApplyTemplateCategory: Meta's move of a template to another
// category applies at once, within the named WABA only; an announced move
// changes nothing yet; a template not known here queues a sync.
func TestApplyTemplateCategory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1410")
		b := e.createAccount(t, "1411")
		e.graph.setTemplates("1410", appointmentTemplate("APPROVED"))
		e.graph.setTemplates("1411", appointmentTemplate("APPROVED"))
		for _, id := range []int64{a.ID, b.ID} {
			_, err := e.svc.SyncTemplates(ctx, id)
			require.NoError(t, err)
		}
		apply := func(u whatsapp.TemplateCategoryUpdate) {
			t.Helper()
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error { return e.svc.ApplyTemplateCategory(ctx, tx, "1410", u) }))
		}
		syncs := func() int { return e.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'template.sync'`) }
		queued := syncs()

		notes := func() []string {
			ns, err := notify.List(ctx, db.Read(), 10)
			require.NoError(t, err)
			var out []string
			for _, n := range ns {
				require.Equal(t, notify.KindTemplateCategory, n.Kind)
				require.Equal(t, "template:1000000000000101", n.Ref)
				out = append(out, n.Body)
			}
			return out
		}
		apply(whatsapp.TemplateCategoryUpdate{TemplateID: "1000000000000101", Name: "appointment_confirmation", Language: "pt_BR",
			New: "UTILITY", Correct: "MARKETING", UpdateAt: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)})
		require.Equal(t, "UTILITY", e.template(t, a.ID, "appointment_confirmation", "pt_BR").Category, "announced only")
		require.Equal(t, []string{"Meta will move template appointment_confirmation (pt_BR) from UTILITY to MARKETING on 2026-12-06 10:00 UTC."}, notes())

		e.clock.Add(time.Minute)
		apply(whatsapp.TemplateCategoryUpdate{TemplateID: "1000000000000101", New: "marketing", Previous: "UTILITY"})
		tp := e.template(t, a.ID, "appointment_confirmation", "pt_BR")
		require.Equal(t, "MARKETING", tp.Category)
		require.Equal(t, t0.Add(time.Minute), tp.UpdatedAt)
		require.Equal(t, "UTILITY", e.template(t, b.ID, "appointment_confirmation", "pt_BR").Category, "another WABA's template")
		require.Equal(t, queued, syncs())
		require.Contains(t, notes()[0], "Meta moved template 1000000000000101 from UTILITY to MARKETING. Contacts who opted out of marketing no longer get it.")

		apply(whatsapp.TemplateCategoryUpdate{TemplateID: "999", New: "MARKETING", Previous: "UTILITY"})
		require.Equal(t, queued+1, syncs(), "an unknown template is left to a sync")
	})
}
