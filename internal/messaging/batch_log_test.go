package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testlog"
)

// Each batch of send outcomes is logged once at info, with its counts.
func TestSendBatchLogsOneLine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cloud := &scriptedCloud{clock: e.clock, errs: []error{metaErr(131000)}}
		e.mustProcess(t, text(e.sender, "wamid.in1", "5511988887777", "Ana", e.clock.Now(), "oi"))
		logs := &testlog.Records{}
		o := messaging.NewOutbox(messaging.OutboxOptions{
			DB: e.db, Accounts: e.accounts,
			Limiter:  ratelimit.New(ratelimit.Options{Clock: e.clock, PairRate: ratelimit.NoPairLimit}),
			CloudFor: func(account.Account) messaging.CloudAPI { return cloud },
			Retry:    messaging.RetryPolicy{Wait: time.Minute, Backoff: 2, MaxWait: 30 * time.Minute, MaxAttempts: 3},
			Now:      e.clock.Now, Log: logs.Logger(),
		})
		for _, body := range []string{"um", "dois", "três"} {
			e.queueText(t, o, body)
		}
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 3, n)
		require.Equal(t, []map[string]int64{{"messages": 3, "sent": 2, "retrying": 1, "failed": 0, "released": 0}},
			logs.Named("sent message batch"), "one line for the batch, none per message")
	})
}
