package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// preference is Meta's user_preferences item for customer waid, through
// sender.
func preference(sender account.Sender, waid, category, value string) whatsapp.Event {
	return whatsapp.Event{Kind: whatsapp.EventUserPreference, WABAID: wabaID, PhoneNumberID: sender.PhoneNumberID,
		UserPreference: &whatsapp.UserPreference{WAID: waid, Category: category, Value: value, ProfileName: "Ana",
			Detail: "User requested to " + value + " marketing messages", Timestamp: t0}}
}

// TestCustomerPreferenceOptsOutAndBackIn: a customer who stops marketing
// messages in WhatsApp is opted out (a contact is created for a stranger,
// so no later import or campaign reaches them), and one who resumes is
// opted back in, each change once in the contact's history with Meta's
// words; a resume from a stranger, another category and an unknown value
// change nothing.
func TestCustomerPreferenceOptsOutAndBackIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		optedOut := func(waid string) int {
			return e.count(t, `SELECT COUNT(*) FROM contacts WHERE wa_id = ? AND opted_out = ?`, waid, true)
		}
		history := func(waid string) int {
			return e.count(t, `SELECT COUNT(*) FROM contact_opt_out_changes h JOIN contacts c ON c.id = h.contact_id
				WHERE c.wa_id = ? AND h.source = 'whatsapp'`, waid)
		}

		e.mustProcess(t, preference(e.sender, "5511988887777", whatsapp.PreferenceMarketing, whatsapp.PreferenceStop))
		require.Equal(t, 1, optedOut("5511988887777"), "a stranger's stop creates their contact, opted out")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM contacts WHERE wa_id = '5511988887777' AND phone = '+5511988887777' AND profile_name = 'Ana'`))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM contact_opt_out_changes WHERE opted_out_before = ? AND opted_out_after = ?
			AND detail = 'User requested to stop marketing messages'`, false, true))
		e.mustProcess(t, preference(e.sender, "5511988887777", whatsapp.PreferenceMarketing, whatsapp.PreferenceStop))
		require.Equal(t, 1, history("5511988887777"), "already out: nothing to record")

		e.mustProcess(t, preference(e.sender, "5511988887777", whatsapp.PreferenceMarketing, whatsapp.PreferenceResume))
		require.Equal(t, 0, optedOut("5511988887777"))
		require.Equal(t, 2, history("5511988887777"))

		e.mustProcess(t, preference(e.sender, "5511977776666", whatsapp.PreferenceMarketing, whatsapp.PreferenceResume))
		e.mustProcess(t, preference(e.sender, "5511966665555", "service_messages", whatsapp.PreferenceStop))
		e.mustProcess(t, preference(e.sender, "5511966665555", whatsapp.PreferenceMarketing, "pause"))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM contacts`), "nothing else created")

		// A contact who writes in and then stops.
		e.mustProcess(t, text(e.sender, "wamid.A", "5511955554444", "Bia", t0, "oi"))
		e.mustProcess(t, preference(e.sender, "5511955554444", whatsapp.PreferenceMarketing, whatsapp.PreferenceStop))
		require.Equal(t, 1, optedOut("5511955554444"))
		require.Equal(t, 1, history("5511955554444"))
	})
}

// TestPreferenceSpeaksOnlyForItsSignersNumbers: a preference naming a
// number that is no sender of the signing account changes nothing.
func TestPreferenceSpeaksOnlyForItsSignersNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ev := preference(e.sender, "5511988887777", whatsapp.PreferenceMarketing, whatsapp.PreferenceStop)
		ev.PhoneNumberID = "999999"
		apperrtest.Require(t, e.process(ev), apperr.KindNotFound, "unknown_sender", "")
		ev = preference(e.sender, "not-a-number", whatsapp.PreferenceMarketing, whatsapp.PreferenceStop)
		apperrtest.Require(t, e.process(ev), apperr.KindInvalid, "invalid_phone", "wa_id")
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM contacts`))
	})
}

// TestRefusedMarketingOptsOut: Meta's 131050 in a failed status (the
// customer stopped marketing messages in WhatsApp) opts the
// conversation's contact out, once; another failure does not.
func TestRefusedMarketingOptsOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, conv := statusEnv(t, db)
		refusals := func() int {
			return e.count(t, `SELECT COUNT(*) FROM contact_opt_out_changes WHERE source = 'whatsapp' AND opted_out_after = ? AND detail LIKE '%131050%'`, true)
		}
		t1 := t0.Add(10 * time.Minute)
		e.outbound(t, conv, "wamid.M1", t1)
		e.mustProcess(t, status("wamid.M1", "failed", t1.Add(time.Second), whatsapp.Error{Code: 131049, Title: "not delivered"}))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM contacts WHERE opted_out = ?`, true))

		e.outbound(t, conv, "wamid.M2", t1)
		e.mustProcess(t, status("wamid.M2", "failed", t1.Add(time.Second), whatsapp.Error{Code: 131050, Title: "stopped marketing"}))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM contacts WHERE wa_id = '5511988887777' AND opted_out = ?`, true))
		require.Equal(t, messaging.ErrCodeOptedOut, e.messageByWAMID(t, "wamid.M2").ErrorCode)
		require.Equal(t, 1, refusals())
		e.outbound(t, conv, "wamid.M3", t1)
		e.mustProcess(t, status("wamid.M3", "failed", t1.Add(time.Second), whatsapp.Error{Code: 131050, Title: "stopped marketing"}))
		require.Equal(t, 1, refusals(), "recorded once")
	})
}

// TestRefusedMarketingSendOptsOut: 131050 as the answer to the send opts
// the contact out too.
func TestRefusedMarketingSendOptsOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		o := newQueue(t, e, &scriptedCloud{errs: []error{metaErr(131050)}}, 1)
		m := e.queueText(t, o, "promo")
		n, err := o.Step(context.Background())
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, messaging.ErrCodeOptedOut, e.message(t, m.ID).ErrorCode)
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM contacts WHERE wa_id = '5511988887777' AND opted_out = ?`, true))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM contact_opt_out_changes WHERE source = 'whatsapp' AND detail LIKE '%131050%'`))
	})
}
