package intake

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/metrics"
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

// Each group commit is logged once at info with its counts; a failed one
// only as the error it is.
func TestWriterLogsOneLinePerBatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		acc := newAccount(t, db)
		logs := &logRecords{}
		w := NewWriter(db, func(map[int]bool) {}, metrics.New(), slog.New(logs))
		ev := textEvent("wamid.same", "5511900000000")
		a := &request{rows: []Row{rowFor(acc, ev)}, done: make(chan requestDone, 1)}
		b := &request{rows: []Row{rowFor(acc, ev), rowFor(acc, textEvent("wamid.other", "5511900000000"))}, done: make(chan requestDone, 1)}
		w.commit([]*request{a, b})
		<-a.done
		<-b.done
		require.Equal(t, []map[string]int64{{"requests": 2, "events": 3, "stored": 2, "duplicates": 1, "applied": 0}}, logs.named("received webhook batch"))

		bad := &request{rows: []Row{rowFor(acc+1000, textEvent("wamid.bad", "5511900000001"))}, done: make(chan requestDone, 1)}
		w.commit([]*request{bad})
		require.Error(t, (<-bad.done).err)
		require.Len(t, logs.named("received webhook batch"), 1, "a failed commit received nothing")
		require.Len(t, logs.named("intake commit failed"), 1)
	})
}
