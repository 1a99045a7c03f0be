package messaging

import (
	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// WarmRecipients normalises, into the phone cache SendTx reads, the
// numbers of the customers who wrote in evs, as a reply to them names
// them: the E.164 number of their contact (a flow's send goes to the
// run's contact.phone unless it says otherwise), for acc's default
// region. The webhook calls
// it before storing the events (intake.Handler.BeforeStore), outside any
// transaction, so the reply's SendTx finds the number normalised instead
// of running libphonenumber while it holds the writer (SQLite's only
// one); a customer who writes is usually answered at once.
//
// It only computes earlier what SendTx would compute, with the same
// function on the same input and region, so every answer is unchanged.
// SendTx does not instead take a known contact's number as it is:
// phone.FromWAID trusts any 8-15 digits WhatsApp reports, while
// phone.Normalize refuses what libphonenumber does not call valid (Meta's
// test numbers, old 8-digit Brazilian mobiles) and rewrites some (a
// national 0 after the country code, "+4407…" → "+447…"), and SendTx
// answers with Normalize's verdict.
func (o *Outbox) WarmRecipients(acc account.Account, evs []whatsapp.Event) {
	for _, ev := range evs {
		if ev.Message == nil {
			continue
		}
		if e164, err := phone.FromWAID(ev.Message.From); err == nil {
			_, _ = o.phones.normalize(e164, acc.DefaultRegion)
		}
	}
}
