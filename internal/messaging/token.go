package messaging

import (
	"context"
	"strconv"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/store"
)

// tokenRefused records on the sender's account that Meta refused its access
// token while sending j (error 190), and the team hears it once
// (account.MarkCredentialsInvalid). The sender is left CONNECTED: the
// number is fine at Meta, and marking it DISCONNECTED would send the team
// to the wrong fix. It runs in its own small transaction, right after the
// call, because the refusal concerns the account, not this message's
// outcome; a failure to record it is logged, and the next sender check
// records it again.
func (o *Outbox) tokenRefused(ctx context.Context, j sendJob, se *SendError) {
	reason := "(#" + strconv.Itoa(se.MetaCode) + ") " + se.MetaTitle
	if se.MetaCode == 0 {
		reason = se.MetaTitle
	}
	err := o.DB.InTx(ctx, func(tx store.Tx) error {
		return account.MarkCredentialsInvalid(ctx, tx, j.accountID, reason, o.Now())
	})
	if err != nil {
		o.Log.Error("recording a refused access token", "account_id", j.accountID, "err", err)
	}
}
