package messaging_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// logRecords keeps the records logged at info and above.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logRecords) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelInfo }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r.Clone())
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// named returns the integer attributes of each record with message msg.
func (l *logRecords) named(msg string) []map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]int64
	for _, r := range l.recs {
		if r.Message != msg {
			continue
		}
		attrs := map[string]int64{}
		r.Attrs(func(a slog.Attr) bool {
			if a.Value.Kind() == slog.KindInt64 {
				attrs[a.Key] = a.Value.Int64()
			}
			return true
		})
		out = append(out, attrs)
	}
	return out
}

// Each batch of send outcomes is logged once at info, with its counts.
func TestSendBatchLogsOneLine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cloud := &scriptedCloud{clock: e.clock, errs: []error{metaErr(131000)}}
		e.mustProcess(t, text(e.sender, "wamid.in1", "5511988887777", "Ana", e.clock.Now(), "oi"))
		logs := &logRecords{}
		o := messaging.NewOutbox(messaging.OutboxOptions{
			DB: e.db, Accounts: e.accounts,
			Limiter:  ratelimit.New(ratelimit.Options{Clock: e.clock, PairRate: ratelimit.NoPairLimit}),
			CloudFor: func(account.Account) messaging.CloudAPI { return cloud },
			Retry:    messaging.RetryPolicy{Wait: time.Minute, Backoff: 2, MaxWait: 30 * time.Minute, MaxAttempts: 3},
			Now:      e.clock.Now, Log: slog.New(logs),
		})
		for _, body := range []string{"um", "dois", "três"} {
			e.queueText(t, o, body)
		}
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 3, n)
		require.Equal(t, []map[string]int64{{"messages": 3, "sent": 2, "retrying": 1, "failed": 0, "released": 0}},
			logs.named("sent message batch"), "one line for the batch, none per message")
	})
}
