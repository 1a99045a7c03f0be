package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// runWrites counts the INSERTs and UPDATEs of flow_runs among stmts.
func runWrites(stmts []string) (inserts, updates int) {
	for _, q := range stmts {
		q = strings.Join(strings.Fields(q), " ")
		switch {
		case strings.HasPrefix(q, "INSERT INTO flow_runs "):
			inserts++
		case strings.HasPrefix(q, "UPDATE flow_runs "):
			updates++
		}
	}
	return inserts, updates
}

// storedRun is a run's row, every column start writes.
type storedRun struct {
	status, waitKind, errorCode, state        string
	version                                   int
	test                                      bool
	waitUntil, replyConv, messageConv         int64
	startedAt, updatedAt, endedAt, flowID, fv int64
}

func readRunRow(t *testing.T, db store.DB, id int64) storedRun {
	t.Helper()
	var r storedRun
	require.NoError(t, db.Read().QueryRow(context.Background(), `SELECT flow_id, flow_version, status, version, test, wait_kind, wait_until,
		reply_conversation_id, message_conversation_id, error_code, state, started_at, updated_at, ended_at FROM flow_runs WHERE id = ?`, id).
		Scan(&r.flowID, &r.fv, &r.status, &r.version, &r.test, &r.waitKind, &r.waitUntil, &r.replyConv, &r.messageConv,
			&r.errorCode, &r.state, &r.startedAt, &r.updatedAt, &r.endedAt))
	return r
}

// startCounted starts a run of flow id's current version in its own
// transaction and returns the run id and the statements it ran.
func startCounted(t *testing.T, s *Service, id int64, st State, test bool) (int64, []string) {
	t.Helper()
	ctx := context.Background()
	var runID int64
	var stmts []string
	require.NoError(t, s.DB.InTx(ctx, func(tx store.Tx) error {
		c, err := s.cache.compiled(ctx, tx, id, 1)
		if err != nil {
			return err
		}
		ctx := &storetest.RecordingTx{Tx: tx}
		runID, err = s.start(context.Background(), ctx, c, st, test)
		stmts = ctx.Stmts
		return err
	}))
	return runID, stmts
}

// A start writes its run's row once: one INSERT already holding the state
// after the first steps, no UPDATE of it in the same transaction, whether
// the run then waits, fails at once after an immediate step result, or
// is a test run. The steps and the effects see the run's id.
func TestStartWritesTheRunOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		s := newTestService(t, db, &now)

		// Waits for a reply: the common case, effects with no result.
		waits, err := s.Create(ctx, Flow{Name: "waits", Enabled: true, Trigger: Trigger{Type: TriggerEvent, Event: "w"}, Steps: []Step{
			{ID: "mark", Type: StepSetVariables, Set: map[string]string{"run": "{{run.id}}"}},
			{ID: "pick", Type: StepBranch, Branches: []Branch{{When: "run.id > 0", Steps: []Step{
				{ID: "reply", Type: StepWaitForReply, Timeout: "1h"},
			}}}},
		}})
		require.NoError(t, err)
		trigger := map[string]any{"k": "v"}
		contact := map[string]any{"id": 9, "phone": "+5511999990000"}
		id, stmts := startCounted(t, s, waits.ID, NewState(0, trigger, contact, 7, "3", now), false)
		ins, upd := runWrites(stmts)
		require.Equal(t, [2]int{1, 0}, [2]int{ins, upd}, "one INSERT and no UPDATE of the run: %q", stmts)

		// The row is the state after the first steps, as the engine makes it.
		c, err := Compile(waits.Definition, Options{})
		require.NoError(t, err)
		want, _, _ := Advance(c, NewState(id, map[string]any{"k": "v"}, map[string]any{"id": 9, "phone": "+5511999990000"}, 7, "3", now),
			Input{Kind: InputStart, Now: now})
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		row := readRunRow(t, db, id)
		require.JSONEq(t, string(wantJSON), row.state)
		require.Equal(t, storedRun{status: StatusWaiting, waitKind: WaitReply, state: row.state, version: 1,
			waitUntil: store.Millis(now.Add(time.Hour)), replyConv: 7, messageConv: 7,
			startedAt: store.Millis(now), updatedAt: store.Millis(now), flowID: waits.ID, fv: 1}, row)
		require.Equal(t, strconv.FormatInt(id, 10), fmt.Sprint(want.Vars["run"]), "the steps saw the run's id")
		require.Equal(t, StepWaitForReply, want.Log[len(want.Log)-1].Type, "the branch saw the run's id")

		// Its timeout's wake-up names the run.
		var args string
		argsText := "json(args)" // River keeps SQLite's args as JSONB
		if db.Dialect() == store.Postgres {
			argsText = "args::text"
		}
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT `+argsText+` FROM river_job WHERE kind = 'flow.wake'`).Scan(&args))
		var wake WakeArgs
		require.NoError(t, json.Unmarshal([]byte(args), &wake))
		require.Equal(t, id, wake.RunID)

		// The reply resumes it from that row, exactly once.
		now = now.Add(time.Minute)
		var changed bool
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) (err error) {
			_, changed, err = s.apply(ctx, tx, id, Input{Kind: InputReply, Now: now, Output: map[string]any{"text": "hi"}})
			return err
		}))
		require.True(t, changed)
		row = readRunRow(t, db, id)
		require.Equal(t, StatusCompleted, row.status)
		require.Equal(t, 2, row.version)
		require.Equal(t, store.Millis(now), row.endedAt)

		// Ends in its first commit, after an immediate step result (no
		// leads here) and a notification naming the run: a test run.
		fails, err := s.Create(ctx, Flow{Name: "fails", Trigger: Trigger{Type: TriggerEvent, Event: "f"}, Steps: []Step{
			{ID: "lead", Type: StepUpdateLead, Status: "qualified"},
		}})
		require.NoError(t, err)
		st := NewState(0, nil, map[string]any{"phone": "+5511999990001"}, 0, "", now)
		st.TestRecipient = "+5511999990001"
		id, stmts = startCounted(t, s, fails.ID, st, true)
		ins, upd = runWrites(stmts)
		require.Equal(t, [2]int{1, 0}, [2]int{ins, upd}, "one INSERT and no UPDATE of the run: %q", stmts)
		row = readRunRow(t, db, id)
		require.Equal(t, storedRun{status: StatusCompleted, state: row.state, version: 1, test: true,
			startedAt: store.Millis(now), updatedAt: store.Millis(now), endedAt: store.Millis(now), flowID: fails.ID, fv: 1}, row,
			"a test run changes no lead: its step is skipped and the run completes")

		st = NewState(0, nil, map[string]any{"phone": "+5511999990001"}, 0, "", now)
		id, stmts = startCounted(t, s, fails.ID, st, false)
		ins, upd = runWrites(stmts)
		require.Equal(t, [2]int{1, 0}, [2]int{ins, upd}, "one INSERT and no UPDATE of the run: %q", stmts)
		row = readRunRow(t, db, id)
		require.Equal(t, storedRun{status: StatusFailed, errorCode: "leads_unavailable", state: row.state, version: 1,
			startedAt: store.Millis(now), updatedAt: store.Millis(now), endedAt: store.Millis(now), flowID: fails.ID, fv: 1}, row)
		run, err := s.GetRun(ctx, id)
		require.NoError(t, err)
		require.Len(t, run.Steps, 1)
		require.Equal(t, StepFailed, run.Steps[0].Status)
		var ref string
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT ref FROM notifications WHERE kind = ?`, NotifyKind).Scan(&ref))
		require.Equal(t, "run:"+strconv.FormatInt(id, 10), ref)
	})
}

// BenchmarkStart starts runs of a set_variables → branch → … flow, 100 to
// a transaction like the intake's batches, on SQLite: "completes" ends
// with another set_variables (no effects, the run row is all it writes),
// "waits" with a delay (a wake-up job too). run_writes counts the
// statements writing flow_runs per start.
func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	db := storetest.New(b, store.SQLite)
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(b, err)
	s := NewService(ServiceOptions{DB: db, Queue: q})
	s.Register(workers)
	s.SetClock(func() time.Time { return now })
	for _, last := range []Step{
		{ID: "done", Type: StepSetVariables, Set: map[string]string{"done": "yes"}},
		{ID: "later", Type: StepDelay, Duration: "1h"},
	} {
		name := map[string]string{StepSetVariables: "completes", StepDelay: "waits"}[last.Type]
		rec, err := s.Create(ctx, Flow{Name: name, Enabled: true, Trigger: Trigger{Type: TriggerEvent, Event: name}, Steps: []Step{
			{ID: "mark", Type: StepSetVariables, Set: map[string]string{"plan": "gold"}},
			{ID: "pick", Type: StepBranch, Branches: []Branch{{When: `vars.plan == "gold"`, Steps: []Step{last}}}},
		}})
		require.NoError(b, err)
		b.Run(name, func(b *testing.B) {
			var writes int
			for done := 0; done < b.N; {
				n := min(100, b.N-done)
				require.NoError(b, db.InTx(ctx, func(tx store.Tx) error {
					c, err := s.cache.compiled(ctx, tx, rec.ID, 1)
					if err != nil {
						return err
					}
					ct := &storetest.RecordingTx{Tx: tx}
					for range n {
						st := NewState(0, map[string]any{"i": done}, map[string]any{}, 0, "", now)
						if _, err := s.start(ctx, ct, c, st, false); err != nil {
							return err
						}
					}
					ins, upd := runWrites(ct.Stmts)
					writes += ins + upd
					return nil
				}))
				done += n
			}
			b.ReportMetric(float64(writes)/float64(b.N), "run_writes/op")
		})
	}
}
