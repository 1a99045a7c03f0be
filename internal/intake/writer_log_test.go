package intake

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testlog"
)

// Each group commit is logged once at info with its counts; a failed one
// only as the error it is.
func TestWriterLogsOneLinePerBatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		acc := newAccount(t, db)
		logs := &testlog.Records{}
		w := NewWriter(db, func(map[int]bool) {}, metrics.New(), logs.Logger())
		ev := textEvent("wamid.same", "5511900000000")
		a := &request{rows: []Row{rowFor(acc, ev)}, done: make(chan requestDone, 1)}
		b := &request{rows: []Row{rowFor(acc, ev), rowFor(acc, textEvent("wamid.other", "5511900000000"))}, done: make(chan requestDone, 1)}
		w.commit([]*request{a, b})
		<-a.done
		<-b.done
		require.Equal(t, []map[string]int64{{"requests": 2, "events": 3, "stored": 2, "duplicates": 1, "applied": 0}}, logs.Named("received webhook batch"))

		bad := &request{rows: []Row{rowFor(acc+1000, textEvent("wamid.bad", "5511900000001"))}, done: make(chan requestDone, 1)}
		w.commit([]*request{bad})
		require.Error(t, (<-bad.done).err)
		require.Len(t, logs.Named("received webhook batch"), 1, "a failed commit received nothing")
		require.Len(t, logs.Named("intake commit failed"), 1)
	})
}
