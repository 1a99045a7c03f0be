package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// decodedState is what reading st back from its row gives.
func decodedState(t *testing.T, st State) State {
	t.Helper()
	b, err := json.Marshal(st)
	require.NoError(t, err)
	var out State
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// requireAllFieldsSet fails when a field of v (a struct) is zero: a field
// added to State and its parts must be set in the test below, so that
// decodedCopy is checked to copy it.
func requireAllFieldsSet(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		require.False(t, rv.Field(i).IsZero(), "%s.%s is not set in the test state", rv.Type().Name(), rv.Type().Field(i).Name)
	}
}

// richTestState is a state with every field set and every kind of value
// a step or a trigger can put in it, ugly ones included (invalid UTF-8,
// HTML characters, times in other zones, types from outside the engine).
// shared is a map kept in two places (a step's output and its log).
func richTestState(now time.Time) (st State, shared map[string]any) {
	sp := time.FixedZone("BRT", -3*3600)
	shared = map[string]any{"message_id": int64(42), "status": "sent"}
	type custom struct {
		A int    `json:"a"`
		B string `json:"b,omitempty"`
	}
	st = State{
		RunID: 7, Status: StatusWaiting, ConversationID: 3, Sender: "5", TestRecipient: "+5511999990000",
		Current: "ask", Attempt: 2, Visits: 9, Reason: "bad \xff byte", StartedAt: now, EndedAt: now.In(sp),
		Trigger: map[string]any{
			"int": 5, "int64": int64(1<<53 + 1), "max": int64(math.MaxInt64), "umax": uint64(math.MaxUint64), "int32": int32(-4),
			"uint": uint(8), "uint32": uint32(9), "int8": int8(3), "f32": float32(0.1), "f64": 0.1, "neg0": math.Copysign(0, -1),
			"bool": true, "nil": nil, "num": json.Number("12.50"), "when": now, "whenSP": now.In(sp),
			"nilmap": map[string]any(nil), "empty": map[string]any{}, "nilslice": []any(nil), "list": []any{1, "x", []string{"a"}},
			"strs": []string{"a", "b\xfe"}, "smap": map[string]string{"k": "v"}, "badsmap": map[string]string{"k\xff": "v"},
			"nested": map[string]any{"deep": map[string]any{"n": int64(-1)}, "bad\xffkey": 1}, "struct": custom{A: 1},
			"ptr": &custom{A: 2, B: "x"}, "bytes": []byte("hi"), "html": "<a&b>", "bad": "x\xc3",
		},
		Contact:    map[string]any{"id": int64(9), "phone": "+5511999990000"},
		Vars:       map[string]any{},
		Outputs:    map[string]any{"send": shared},
		Wait:       &Wait{Kind: WaitSend, Step: "ask", Key: "ask:1:9", Until: now.Add(time.Hour).UTC()},
		EarlyReply: map[string]any{"text": "x\xc3", "at": now},
		Log: []StepRecord{
			{Step: "send", Type: StepSendText, Status: StepCompleted, Input: map[string]any{"to": "+55"}, Output: shared, Attempts: 1,
				StartedAt: now, EndedAt: now.In(sp), Error: &StepError{Code: "c", Field: "f", Message: "m", Retryable: true},
				Warnings: []Warning{{Code: "w", Message: "m\xff"}}},
			{Step: "ask", Type: StepWaitForReply, Status: StepWaiting, Input: map[string]any{}, Output: map[string]any{}, Warnings: []Warning{}},
			{Step: "zero"},
		},
		Error: &StepError{Code: "e", Message: "m"},
	}
	return st, shared
}

// The copy runStates keeps is the state as decoded from its row, to the
// last bit (reflect.DeepEqual compares a time's zone and monotonic
// reading, a number's type), and shares nothing with the original.
func TestDecodedCopyIsTheDecodedState(t *testing.T) {
	now := time.Now() // local zone, monotonic reading
	st, shared := richTestState(now)
	requireAllFieldsSet(t, st)
	requireAllFieldsSet(t, *st.Wait)
	requireAllFieldsSet(t, st.Log[0])
	requireAllFieldsSet(t, *st.Log[0].Error)
	requireAllFieldsSet(t, st.Log[0].Warnings[0])

	cp, ok := decodedCopy(st)
	require.True(t, ok)
	want := decodedState(t, st)
	require.True(t, reflect.DeepEqual(want, cp), "decoded:\n%#v\ncopied:\n%#v", want, cp)

	// Nothing is shared: changing the original leaves the copy as it was.
	shared["status"] = "changed"
	st.Trigger["nested"].(map[string]any)["deep"].(map[string]any)["n"] = "changed"
	st.Log[0].Status = "changed"
	st.Wait.Key = "changed"
	st.Error.Code = "changed"
	st.Log[0].Warnings[0].Code = "changed"
	require.True(t, reflect.DeepEqual(want, cp), "the copy changed with the original")
	// Nor between two places the decoded state has apart.
	cp.Outputs["send"].(map[string]any)["status"] = "mine"
	require.Equal(t, "sent", cp.Log[0].Output["status"])

	// Nil and empty at the top: null stays nil, [] stays empty.
	for _, st := range []State{{}, {Log: []StepRecord{}, Trigger: map[string]any{}}} {
		cp, ok := decodedCopy(st)
		require.True(t, ok)
		require.True(t, reflect.DeepEqual(decodedState(t, st), cp), "%#v", cp)
	}
}

func TestRunStatesAreBounded(t *testing.T) {
	c := newRunStates(4)
	for i := range int64(6) {
		c.put(runKey{i, 1}, "s", State{RunID: i})
	}
	require.Equal(t, 4, c.len())
	_, ok := c.take(0, 1, "s")
	require.False(t, ok, "the oldest went first")
	_, ok = c.take(1, 1, "s")
	require.False(t, ok)
	st, ok := c.take(5, 1, "s")
	require.True(t, ok)
	require.EqualValues(t, 5, st.RunID)
	_, ok = c.take(5, 1, "s")
	require.False(t, ok, "taken once")

	_, ok = c.take(4, 2, "s")
	require.False(t, ok, "another version")
	_, ok = c.take(4, 1, "other text")
	require.False(t, ok, "another text")
	_, ok = c.take(4, 1, "s")
	require.False(t, ok, "a mismatch drops the entry")

	// Taken entries leave their places: the ring stays bounded and keeps
	// evicting the oldest entry still there.
	for i := range int64(20) {
		c.put(runKey{100 + i, 1}, "s", State{})
	}
	require.Equal(t, 4, c.len())
	_, ok = c.take(119, 1, "s")
	require.True(t, ok)
	_, ok = c.take(115, 1, "s")
	require.False(t, ok)
}

// replyFlow waits for two replies; the first one "A" also sets a
// variable, through a branch.
func replyFlow() Flow {
	return Flow{Name: "replies", Enabled: true, Trigger: Trigger{Type: TriggerEvent, Event: "r"}, Steps: []Step{
		{ID: "ask", Type: StepWaitForReply, Timeout: "1h"},
		{ID: "pick", Type: StepBranch, Branches: []Branch{{When: `steps.ask.text == "A"`, Steps: []Step{
			{ID: "mark", Type: StepSetVariables, Set: map[string]string{"a": "{{trigger.n}}"}},
		}}}},
		{ID: "again", Type: StepWaitForReply, Timeout: "1h"},
		{ID: "last", Type: StepSetVariables, Set: map[string]string{"n": "{{trigger.n}} {{contact.id}}"}},
	}}
}

// startReplies starts a run of replyFlow (flow id) in conversation 7.
func startReplies(t *testing.T, s *Service, flowID int64, n int) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	require.NoError(t, s.DB.InTx(ctx, func(tx store.Tx) error {
		c, err := s.cache.compiled(ctx, tx, flowID, 1)
		if err != nil {
			return err
		}
		id, err = s.start(ctx, tx, c, NewState(0, map[string]any{"n": n}, map[string]any{"id": int64(9)}, 7, "3", s.Now()), false)
		return err
	}))
	return id
}

func reply(s *Service, text string) Input {
	return Input{Kind: InputReply, Now: s.Now(), Output: map[string]any{"text": text}}
}

// applyIn applies in to run id in its own transaction, rolled back when
// rollback is set; it returns the state apply returned.
func applyIn(t *testing.T, s *Service, id int64, in Input, rollback bool) State {
	t.Helper()
	var st State
	errRollback := errors.New("rolled back")
	err := s.DB.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		var changed bool
		st, changed, err = s.apply(context.Background(), tx, id, in)
		require.True(t, changed)
		if err == nil && rollback {
			return errRollback
		}
		return err
	})
	if rollback {
		require.ErrorIs(t, err, errRollback)
	} else {
		require.NoError(t, err)
	}
	return st
}

// A run's next input takes its state from runStates, which holds only
// committed states and gives each out once: an input whose transaction
// rolls back (after the engine changed the state in place) leaves
// nothing of it behind for the next one.
func TestRunStatesHoldCommittedStatesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		s := newTestService(t, db, &now)
		rec, err := s.Create(ctx, replyFlow())
		require.NoError(t, err)
		id := startReplies(t, s, rec.ID, 5)
		require.Equal(t, 1, s.states.len(), "the start's commit put its state")

		// "A" is applied, changing the cached state, and rolled back.
		st := applyIn(t, s, id, reply(s, "A"), true)
		require.Equal(t, 5.0, st.Vars["a"], "the rolled-back input went through the branch (the trigger's int decoded: a float64)")
		require.Equal(t, 0, s.states.len(), "the input took the entry; the rollback put none")

		// "B" sees the committed state: nothing of "A".
		st = applyIn(t, s, id, reply(s, "B"), false)
		require.Equal(t, "B", st.Outputs["ask"].(map[string]any)["text"])
		require.NotContains(t, st.Vars, "a")
		require.Equal(t, "again", st.Wait.Step)
		require.Equal(t, 1, s.states.len(), "the commit put version 2")

		// Version 2 comes from the cache, and ends the run: a finished
		// run is not kept. Its row is what decoding every time gives.
		st = applyIn(t, s, id, reply(s, "C"), false)
		require.Equal(t, StatusCompleted, st.Status)
		require.Equal(t, "5 9", st.Vars["n"])
		require.Equal(t, 0, s.states.len())
		cached := readRunRow(t, db, id)

		other := startReplies(t, s, rec.ID, 5)
		for _, text := range []string{"B", "C"} {
			s.states = newRunStates(maxRunStates) // nothing cached: every input decodes
			applyIn(t, s, other, reply(s, text), false)
		}
		decoded := readRunRow(t, db, other)
		var a, b map[string]any
		require.NoError(t, json.Unmarshal([]byte(cached.state), &a))
		require.NoError(t, json.Unmarshal([]byte(decoded.state), &b))
		a["run_id"], b["run_id"] = nil, nil
		require.Equal(t, a, b)
	})
}

// A row rewritten behind this process's back (same id and version, other
// text: an id SQLite handed out again after a deletion) is decoded, not
// taken from the cache.
func TestRunStatesCheckTheRowText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		s := newTestService(t, db, &now)
		rec, err := s.Create(ctx, replyFlow())
		require.NoError(t, err)
		id := startReplies(t, s, rec.ID, 5)
		require.Equal(t, 1, s.states.len())

		row := readRunRow(t, db, id)
		var st State
		require.NoError(t, json.Unmarshal([]byte(row.state), &st))
		st.Trigger["n"] = 6
		b, err := json.Marshal(st)
		require.NoError(t, err)
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE flow_runs SET state = ? WHERE id = ?`, string(b), id)
			return err
		}))
		require.Equal(t, 1, readRunRow(t, db, id).version)

		applyIn(t, s, id, reply(s, "A"), false)
		applyIn(t, s, id, reply(s, "C"), false)
		var end State
		require.NoError(t, json.Unmarshal([]byte(readRunRow(t, db, id).state), &end))
		require.Equal(t, 6.0, end.Vars["a"], "the row's state, not the cached one")
		require.Equal(t, "6 9", end.Vars["n"])
	})
}

// BenchmarkSendOutcome applies send outcomes, 100 to a transaction like
// the outbox's batches, on SQLite, to runs of the benchmark's flow
// (set_variables → branch → send_template, cmd/zapflow-bench) waiting
// for their send: "cached" takes each state from runStates as the start
// left it there, "decoded" decodes each row. Only the outcomes' commits
// are timed.
func BenchmarkSendOutcome(b *testing.B) {
	ctx := context.Background()
	db := storetest.New(b, store.SQLite)
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	s := NewService(ServiceOptions{DB: db})
	s.SetClock(func() time.Time { return now })
	rec, err := s.Create(ctx, Flow{Name: "bench", Trigger: Trigger{Type: TriggerMessageReceived}, Steps: []Step{
		{ID: "prepare", Type: StepSetVariables, Set: map[string]string{"name": `{{trigger.contact.name | default("cliente")}}`}},
		{ID: "route", Type: StepBranch, Branches: []Branch{{When: `lower(trigger.message) contains "pedido"`, Steps: []Step{
			{ID: "confirm", Type: StepSendTemplate, Template: &TemplateRef{Name: "appointment_confirmation", Language: "pt_BR"},
				Variables: map[string]string{"1": "{{vars.name}}", "2": "Dra. Beatriz", "4": "Av. Paulista, 1000",
					"3": `{{trigger.timestamp | format_date("DD/MM", "America/Sao_Paulo")}}`}},
		}}}},
	}})
	require.NoError(b, err)
	// start without its effects: the run waits for a send that is never
	// queued, as the send step leaves it (effect records the message).
	start := func(tx store.Tx, c *Compiled, i int) (int64, string, error) {
		id, err := newRunID(ctx, tx, db.Dialect(), &s.runIDs)
		if err != nil {
			return 0, "", err
		}
		phone := "+55119" + strconv.Itoa(10000000+i)
		contact := map[string]any{"id": int64(i), "phone": phone, "name": "Cliente " + strconv.Itoa(i)}
		trigger := map[string]any{"customer_phone": phone, "customer_name": contact["name"], "message": "Quero ver meu pedido",
			"message_type": "text", "message_id": "wamid.HBgNNTUxMTk5OTk5MDAwMBUCABIYFjNFQjBDMEQ" + strconv.Itoa(i), "sender_id": int64(1),
			"sender_phone": "+55 11 4000-0000", "timestamp": now.Format(time.RFC3339), "conversation_id": int64(i), "contact": contact}
		st := NewState(id, trigger, contact, int64(i), "1", now)
		st.StartedAt = now
		st, effects, _ := Advance(c, st, Input{Kind: InputStart, Now: now})
		require.Len(b, effects, 1)
		rec := lastRecord(&st, effects[0].Step)
		rec.Output = map[string]any{"message_id": int64(i), "status": "queued"}
		text, err := insertRun(ctx, tx, c, st, false, int64(i), store.Millis(now))
		s.states.remember(tx, id, 1, text, st)
		return id, st.Wait.Key, err
	}
	for _, cached := range []bool{true, false} {
		b.Run(map[bool]string{true: "cached", false: "decoded"}[cached], func(b *testing.B) {
			for done := 0; done < b.N; {
				n := min(100, b.N-done)
				b.StopTimer()
				ids, keys := make([]int64, n), make([]string, n)
				require.NoError(b, db.InTx(ctx, func(tx store.Tx) error {
					c, err := s.cache.compiled(ctx, tx, rec.ID, 1)
					if err != nil {
						return err
					}
					for i := range n {
						if ids[i], keys[i], err = start(tx, c, done+i); err != nil {
							return err
						}
					}
					return nil
				}))
				if !cached {
					s.states = newRunStates(maxRunStates)
				}
				b.StartTimer()
				require.NoError(b, db.InTx(ctx, func(tx store.Tx) error {
					for i, id := range ids {
						in := Input{Kind: InputResult, Now: now, Key: keys[i],
							Output: map[string]any{"message_id": int64(i), "status": "sent", "wamid": "wamid.out" + strconv.Itoa(i)}}
						if _, changed, err := s.apply(ctx, tx, id, in); err != nil || !changed {
							return fmt.Errorf("run %d: changed %v: %w", id, changed, err)
						}
					}
					return nil
				}))
				done += n
			}
		})
	}
}

// BenchmarkStateCopy compares what remember adds to a write (the copy)
// with what a hit saves (the decoding), for a state like the benchmark
// flow's waiting for its send.
func BenchmarkStateCopy(b *testing.B) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	contact := map[string]any{"id": int64(7), "phone": "+5511910000007", "name": "Cliente 7"}
	st := NewState(7, map[string]any{"customer_phone": "+5511910000007", "customer_name": "Cliente 7", "message": "Quero ver meu pedido",
		"message_type": "text", "message_id": "wamid.HBgNNTUxMTk5OTk5MDAwMBUCABIYFjNFQjBDMEQ7", "sender_id": int64(1),
		"sender_phone": "+55 11 4000-0000", "timestamp": now.Format(time.RFC3339), "conversation_id": int64(7), "contact": contact},
		contact, 7, "1", now)
	st.Vars["name"] = "Cliente 7"
	st.Outputs["prepare"] = map[string]any{"name": "Cliente 7"}
	st.Log = []StepRecord{
		{Step: "prepare", Type: StepSetVariables, Status: StepCompleted, Output: map[string]any{"name": "Cliente 7"}, Attempts: 1, StartedAt: now, EndedAt: now},
		{Step: "route", Type: StepBranch, Status: StepCompleted, Output: map[string]any{"branch": 0}, Attempts: 1, StartedAt: now, EndedAt: now},
		{Step: "confirm", Type: StepSendTemplate, Status: StepWaiting, Attempts: 1, StartedAt: now,
			Output: map[string]any{"message_id": int64(7), "status": "queued"}},
	}
	st.Status, st.Current, st.Wait = StatusWaiting, "confirm", &Wait{Kind: WaitSend, Step: "confirm", Key: "confirm:1:3"}
	text, err := json.Marshal(st)
	require.NoError(b, err)
	b.Run("copy", func(b *testing.B) {
		for range b.N {
			if _, ok := decodedCopy(st); !ok {
				b.Fatal("not copied")
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		for range b.N {
			var out State
			if err := json.Unmarshal(text, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A write rolled back to a savepoint (the intake's careful mode, for a
// failed event) still puts its state when the transaction commits; the
// next input finds the row at that version only once something else
// wrote it (here another instance), and decodes that.
func TestRunStatesSurviveASavepointRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		s, other := newTestService(t, db, &now), newTestService(t, db, &now)
		rec, err := s.Create(ctx, replyFlow())
		require.NoError(t, err)
		id := startReplies(t, s, rec.ID, 5)

		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.Exec(ctx, `SAVEPOINT event`); err != nil {
				return err
			}
			if _, _, err := s.apply(ctx, tx, id, reply(s, "A")); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT event`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `RELEASE SAVEPOINT event`)
			return err
		}))
		require.Equal(t, 1, readRunRow(t, db, id).version)
		require.Equal(t, 1, s.states.len(), "version 2 as the rolled-back write left it")

		applyIn(t, other, id, reply(other, "B"), false)
		st := applyIn(t, s, id, reply(s, "C"), false)
		require.Equal(t, StatusCompleted, st.Status)
		require.Equal(t, "B", st.Outputs["ask"].(map[string]any)["text"])
		require.NotContains(t, st.Vars, "a", "nothing of the rolled-back reply")
	})
}
