package messaging_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Applying a batch's statuses set-based (ApplyStatusBatch, then Process
// for what it left, as an intake lane does) ends exactly where applying
// each event alone in order ends: the same message rows, the same parked
// statuses, the same errors per event and the same status hook calls.
// The events mix every case: statuses out of order and repeated, failed
// ones with errors, untracked ones, wamids not stored yet, ids echoed in
// biz_opaque_callback_data, another number's message, an unknown number
// and a foreign WABA, and one wamid reported by two numbers in one batch.
func TestStatusBatchEndsWhereOneByOneEnds(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			batched, single := newStatusWorld(t, storetest.New(t, d)), newStatusWorld(t, storetest.New(t, d))
			took, left := 0, 0
			for seed := range uint64(25) {
				batched.addMessages(t, seed)
				single.addMessages(t, seed)
				rng := rand.New(rand.NewPCG(seed, 7))
				evs := batched.randomStatuses(rng, seed, 40)
				for _, ev := range evs {
					single.codes = append(single.codes, code(t, single.process(ev)))
				}
				for len(evs) > 0 {
					n := min(len(evs), 1+rng.IntN(15))
					k, l := batched.applyBatch(t, evs[:n])
					took, left = took+k, left+l
					evs = evs[n:]
				}
			}
			require.Equal(t, single.codes, batched.codes)
			require.Equal(t, single.rows(t), batched.rows(t))
			require.Equal(t, single.hookCalls(), batched.hookCalls())
			require.Greater(t, took, 300, "the batch took the plain statuses")
			require.Greater(t, left, 200, "and left the rest to Process")
		})
	}
}

// statusWorld is an env with two numbers, a conversation on each, and the
// status hook calls and per-event error codes it saw.
type statusWorld struct {
	*env
	numbers [2]string        // phone_number_ids
	conv    [2]int64         // a conversation on each number
	queued  map[uint64]int64 // per seed, an outbound message without a wamid
	hooks   []messaging.StatusChange
	codes   []string
	signer  int64
}

func newStatusWorld(t *testing.T, db store.DB) *statusWorld {
	e := newEnv(t, db)
	w := &statusWorld{env: e, queued: map[uint64]int64{}, signer: e.account.ID}
	w.numbers = [2]string{e.sender.PhoneNumberID, e.addSender(t, "106540352240002").PhoneNumberID}
	e.mustProcess(t, text(e.sender, "wamid.in1", "5511988887777", "Ana", t0, "oi"))
	in2 := text(e.sender, "wamid.in2", "5511988887777", "Ana", t0, "oi")
	in2.PhoneNumberID = w.numbers[1]
	e.mustProcess(t, in2)
	for i, pn := range w.numbers {
		require.NoError(t, db.Read().QueryRow(context.Background(), `SELECT c.id FROM conversations c JOIN senders s ON s.id = c.sender_id
			WHERE s.phone_number_id = ?`, pn).Scan(&w.conv[i]))
	}
	e.svc.OnStatus(func(_ context.Context, _ store.Tx, c messaging.StatusChange) error {
		w.hooks = append(w.hooks, c)
		return nil
	})
	return w
}

// addMessages stores seed's outbound messages: wamid.<seed>.A0…A3 on the
// first number, wamid.<seed>.B0 and B1 on the second, and one not sent yet.
func (w *statusWorld) addMessages(t *testing.T, seed uint64) {
	for i := range 4 {
		w.outbound(t, w.conv[0], fmt.Sprintf("wamid.%d.A%d", seed, i), t0.Add(time.Minute))
	}
	for i := range 2 {
		w.outbound(t, w.conv[1], fmt.Sprintf("wamid.%d.B%d", seed, i), t0.Add(time.Minute))
	}
	ctx := context.Background()
	require.NoError(t, w.db.InTx(ctx, func(tx store.Tx) error {
		id, err := messaging.InsertOutbound(ctx, tx, w.conv[0], "text", []byte(`{"body":"olá"}`), "olá", store.Millis(w.clock.Now()))
		w.queued[seed] = id
		return err
	}))
}

func (w *statusWorld) randomStatuses(rng *rand.Rand, seed uint64, n int) []whatsapp.Event {
	names := []string{"A0", "A1", "A2", "A3", "B0", "B1", "NONE1", "NONE2"}
	statuses := []string{"sent", "delivered", "delivered", "read", "read", "played", "failed", "deleted"}
	var evs []whatsapp.Event
	for range n {
		name := names[rng.IntN(len(names))]
		ev := status(fmt.Sprintf("wamid.%d.%s", seed, name), statuses[rng.IntN(len(statuses))], t0.Add(time.Duration(rng.IntN(600))*time.Second))
		ev.PhoneNumberID = w.numbers[0]
		if name[0] == 'B' || (name[0] == 'N' && rng.IntN(2) == 0) {
			ev.PhoneNumberID = w.numbers[1]
		}
		switch r := rng.IntN(20); {
		case r == 0:
			ev.PhoneNumberID = w.numbers[1-slices.Index(w.numbers[:], ev.PhoneNumberID)] // another number's message
		case r == 1:
			ev.PhoneNumberID = "106540352249999" // no sender here
		case r == 2:
			ev.WABAID = "999" // a WABA the signer does not speak for
		case r < 5 && name[0] == 'N':
			ev.Status.BizOpaqueCallbackData = "zf:" + strconv.FormatInt(w.queued[seed], 10)
		}
		if ev.Status.Status == "failed" {
			ev.Status.Errors = []whatsapp.Error{{Code: 131026, Title: "Message undeliverable"}}
		}
		evs = append(evs, ev)
	}
	return evs
}

// applyBatch applies evs in one transaction as an intake lane does, and
// returns how many the batch took and how many it left to Process.
func (w *statusWorld) applyBatch(t *testing.T, evs []whatsapp.Event) (took, left int) {
	ctx := context.Background()
	signers := make([]int64, len(evs))
	for i := range signers {
		signers[i] = w.signer
	}
	require.NoError(t, w.db.InTx(ctx, func(tx store.Tx) error {
		took, left = 0, 0
		if err := w.svc.LockStatusTargets(ctx, tx, evs); err != nil {
			return err
		}
		done, err := w.svc.ApplyStatusBatch(ctx, tx, signers, evs)
		if err != nil {
			return err
		}
		require.Len(t, done, len(evs))
		for i, ev := range evs {
			if done[i] {
				took++
				w.codes = append(w.codes, "")
				continue
			}
			left++
			w.codes = append(w.codes, code(t, w.svc.Process(ctx, tx, signers[i], ev)))
		}
		return nil
	}))
	return took, left
}

// code is an event's error code, "" when it applied; anything but a named
// error fails the test.
func code(t *testing.T, err error) string {
	if err == nil {
		return ""
	}
	ae, ok := apperr.As(err)
	require.True(t, ok, "unnamed error %v", err)
	return ae.Code
}

// rows is every message's status columns and every parked status.
func (w *statusWorld) rows(t *testing.T) []string {
	ctx := context.Background()
	var out []string
	for _, q := range []string{
		`SELECT id, COALESCE(wamid, ''), status, sent_at, delivered_at, read_at, failed_at, error_code, error_message, error_detail, updated_at
			FROM messages ORDER BY id`,
		`SELECT 0, wamid, status, occurred_at, 0, 0, 0, error_code, error_message, error_detail, phone_number_id
			FROM pending_statuses ORDER BY wamid, status, phone_number_id`,
	} {
		rows, err := w.db.Read().Query(ctx, q)
		require.NoError(t, err)
		for rows.Next() {
			var id, a, b, c, d int64
			var s1, s2, e1, e2, e3, last string
			require.NoError(t, rows.Scan(&id, &s1, &s2, &a, &b, &c, &d, &e1, &e2, &e3, &last))
			out = append(out, fmt.Sprint(id, s1, s2, a, b, c, d, e1, e2, e3, last))
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return out
}

// hookCalls is the status hook calls, sorted: a batch runs its own first.
func (w *statusWorld) hookCalls() []string {
	out := make([]string, len(w.hooks))
	for i, c := range w.hooks {
		out[i] = fmt.Sprint(c.MessageID, " ", c.ConversationID, " ", c.Status)
	}
	slices.Sort(out)
	return out
}

// The batch statement finds its messages through the wamid index, not by
// reading the table, and checks each one's number through its own
// conversation's key. PostgreSQL once planned the number check as a join
// of every conversation of the reporting numbers with the batch, then
// filtered every message of those conversations by wamid: 0.2-2 s per
// batch of 256 a minute into a load, locks held throughout.
func TestStatusBatchUsesTheWAMIDIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		args := []any{"wamid.x", "106540352240001", 2, "delivered", int64(0), int64(1), int64(0),
			"wamid.y", "106540352240001", 3, "read", int64(0), int64(0), int64(2), int64(3), "wamid.x", "wamid.y"}
		plan := storetest.Plan(t, db, messaging.StatusRowsSQL(2), args...)
		require.True(t, strings.Contains(plan, "messages_wamid"), "plan:\n%s", plan)
		require.False(t, strings.Contains(plan, "SCAN messages"), "plan:\n%s", plan)
		for _, line := range strings.Split(plan, "\n") {
			if strings.Contains(line, "conversations c") || strings.Contains(line, " c USING") || strings.Contains(line, "SCAN c") {
				require.Regexp(t, `conversations_pkey|INTEGER PRIMARY KEY`, line, "plan:\n%s", plan)
			}
		}
		if db.Dialect() == store.Postgres {
			require.Contains(t, plan, "Index Cond: (id = messages.conversation_id)", "plan:\n%s", plan)
			require.Contains(t, plan, "Index Cond: (wamid = ANY", "plan:\n%s", plan)
			require.Contains(t, plan, "SubPlan", "plan:\n%s", plan)
			require.NotContains(t, plan, "Semi Join", "plan:\n%s", plan)
		}
	})
}
