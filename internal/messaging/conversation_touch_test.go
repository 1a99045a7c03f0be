package messaging_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// touchOp is one write to a customer's conversation: an inbound text, or
// an outbound message queued in it. rolledBack ops run inside a savepoint
// that is rolled back.
type touchOp struct {
	customer   int
	outbound   bool
	now        time.Time // the clock: it only moves forward
	at         time.Time // an inbound message's timestamp, in any order
	name       string    // wamid or outbound summary: the message's identity
	rolledBack bool
}

// TestConversationTouchesEndWhereOneByOneEnds applies random inbound and
// outbound messages to two fresh databases of each dialect: all in one
// transaction (where first_message_id and the outbound last_message_at
// wait for the commit), some inside savepoints, some of those rolled
// back; and each in a transaction of its own, the rolled back ones left
// out. Every conversation must end the same: its first message, its last
// message time, its window, its updated_at.
func TestConversationTouchesEndWhereOneByOneEnds(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(7, uint64(len(d))))
			var ops []touchOp
			opened := map[int]bool{}
			for i := range 300 {
				c := rng.IntN(12)
				op := touchOp{customer: c, now: t0.Add(time.Duration(i) * time.Second), at: t0.Add(time.Duration(rng.IntN(300)) * time.Second),
					name: fmt.Sprintf("op%d", i)}
				// An outbound message goes to a conversation an earlier op
				// opened; inbound times are out of order on purpose.
				op.outbound = opened[c] && rng.IntN(2) == 0
				op.rolledBack = rng.IntN(8) == 0
				if !op.outbound {
					op.name = "wamid.T" + op.name
				}
				if !op.rolledBack && !op.outbound {
					opened[c] = true
				}
				ops = append(ops, op)
			}

			batched := newEnv(t, storetest.New(t, d))
			ctx := context.Background()
			require.NoError(t, batched.db.InTx(ctx, func(tx store.Tx) error {
				for i, op := range ops {
					inSavepoint := op.rolledBack || i%5 == 0
					if inSavepoint {
						if _, err := tx.Exec(ctx, `SAVEPOINT touch`); err != nil {
							return err
						}
					}
					if err := batched.applyTouchOp(ctx, tx, op); err != nil {
						return err
					}
					if op.rolledBack {
						if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT touch`); err != nil {
							return err
						}
					}
					if inSavepoint {
						if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT touch`); err != nil {
							return err
						}
					}
				}
				return nil
			}))

			single := newEnv(t, storetest.New(t, d))
			for _, op := range ops {
				if op.rolledBack {
					continue
				}
				require.NoError(t, single.db.InTx(ctx, func(tx store.Tx) error { return single.applyTouchOp(ctx, tx, op) }))
			}

			want, got := single.touchedConversations(t), batched.touchedConversations(t)
			require.Len(t, want, len(opened))
			require.Equal(t, want, got)
			// And where they end is right: the first message is the first
			// one stored, the last message time the latest of them all.
			first, last := map[string]string{}, map[string]time.Time{}
			for _, op := range ops {
				if op.rolledBack {
					continue
				}
				waID := customerWAID(op.customer)
				if _, ok := first[waID]; !ok {
					first[waID] = op.name
				}
				at := op.at
				if op.outbound {
					at = op.now
				}
				if at.After(last[waID]) {
					last[waID] = at
				}
			}
			for waID, c := range got {
				require.Equal(t, first[waID], c.First, waID)
				require.Equal(t, last[waID], c.LastMessage, waID)
			}
		})
	}
}

// applyTouchOp applies op in tx at op.now.
func (e *env) applyTouchOp(ctx context.Context, tx store.Tx, op touchOp) error {
	e.clock.Set(op.now)
	from := customerWAID(op.customer)
	if !op.outbound {
		return e.svc.Process(ctx, tx, e.account.ID, text(e.sender, op.name, from, "Cliente", op.at, "oi"))
	}
	var convID int64
	if err := tx.QueryRow(ctx, `SELECT v.id FROM conversations v JOIN contacts k ON k.id = v.contact_id WHERE k.wa_id = ?`, from).Scan(&convID); err != nil {
		return err
	}
	_, err := messaging.InsertOutbound(ctx, tx, convID, "text", []byte(`{"body":"olá"}`), op.name, store.Millis(op.now))
	return err
}

func customerWAID(c int) string { return fmt.Sprintf("55119%08d", c) }

// touchedConversation is what the touches leave on a conversation, with
// its first message named by wamid or summary (ids differ between
// databases).
type touchedConversation struct {
	First                                     string
	LastMessage, LastInbound, Window, Updated time.Time
}

func (e *env) touchedConversations(t *testing.T) map[string]touchedConversation {
	t.Helper()
	rows, err := e.db.Read().Query(context.Background(), `SELECT k.wa_id, COALESCE(m.wamid, m.summary), v.last_message_at, v.last_inbound_at,
		v.window_expires_at, v.updated_at FROM conversations v JOIN contacts k ON k.id = v.contact_id
		LEFT JOIN messages m ON m.id = v.first_message_id`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]touchedConversation{}
	for rows.Next() {
		var waID string
		var first *string
		var last, inbound, window, updated int64
		require.NoError(t, rows.Scan(&waID, &first, &last, &inbound, &window, &updated))
		tc := touchedConversation{LastMessage: store.Time(last), LastInbound: store.Time(inbound), Window: store.Time(window), Updated: store.Time(updated)}
		if first != nil {
			tc.First = *first
		}
		out[waID] = tc
	}
	require.NoError(t, rows.Err())
	return out
}

// The touch statement finds its conversations through the primary key by
// the id list, whatever PostgreSQL's statistics say (a join on the values
// alone was planned as a whole-table scan while the table was young).
func TestConversationTouchesUseThePrimaryKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		args := []any{int64(7), int64(70), int64(1000), int64(1000), int64(9), int64(0), int64(2000), int64(2000), int64(7), int64(9)}
		plan := storetest.Plan(t, db, messaging.TouchSQL(2), args...)
		require.NotContains(t, plan, "SCAN conversations", "plan:\n%s", plan)
		if db.Dialect() == store.Postgres {
			require.Contains(t, plan, "Index Cond: (id = ANY", "plan:\n%s", plan)
		}
	})
}
