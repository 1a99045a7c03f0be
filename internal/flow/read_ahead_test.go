package flow

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A batch of send outcomes reads its runs in one statement
// (BeforeSendOutcomes), and each outcome then moves its run on without
// reading it again. A row read ahead serves one change only: a run
// cancelled after the read (its bot paused, in the same transaction) is
// read again for its outcome, and stays cancelled. A failed send is read
// ahead like a sent one, and fails its run.
func TestSendOutcomesReadTheirRunsAhead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		env := newSendingEnv(t, db, func() time.Time { return now })
		_, err := env.s.Create(ctx, Flow{Name: "hello", Enabled: true, Trigger: Trigger{Type: TriggerMessageReceived}, Steps: []Step{
			{ID: "hi", Type: StepSendText, Text: "Olá!"},
		}})
		require.NoError(t, err)
		for _, waID := range []string{"5511988880001", "5511988880002", "5511988880003", "5511988880004"} {
			env.write(t, waID, "oi", now)
		}
		var outs []messaging.SendOutcome
		rows, err := db.Read().Query(ctx, `SELECT id, conversation_id, source FROM messages WHERE direction = 'out' ORDER BY id`)
		require.NoError(t, err)
		for rows.Next() {
			o := messaging.SendOutcome{Status: messaging.StatusSent, WAMID: "wamid.OUT" + strconv.Itoa(len(outs))}
			require.NoError(t, rows.Scan(&o.MessageID, &o.ConversationID, &o.Source))
			outs = append(outs, o)
		}
		rows.Close()
		require.Len(t, outs, 4, "each run waits for its send")
		// The last send failed for good: a failure is read ahead as a send is.
		outs[3].Status, outs[3].WAMID = messaging.StatusFailed, ""
		outs[3].Err = &messaging.SendError{Code: "invalid_phone", Message: "not on WhatsApp"}

		var stmts []string
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			rec := &storetest.RecordingTx{Tx: tx}
			if err := env.s.BeforeSendOutcomes(ctx, rec, outs); err != nil {
				return err
			}
			if err := env.s.OnBotPaused(ctx, rec, outs[0].ConversationID, "paused"); err != nil {
				return err
			}
			for _, o := range outs {
				if err := env.s.OnSendOutcome(ctx, rec, o); err != nil {
					return err
				}
			}
			stmts = rec.Stmts
			return nil
		}))
		var ahead, one int
		for _, q := range stmts {
			q = strings.Join(strings.Fields(q), " ")
			if strings.Contains(q, "FROM flow_runs WHERE id IN") {
				ahead++
			}
			if strings.Contains(q, "FROM flow_runs WHERE id = ?") {
				one++
			}
		}
		require.Equal(t, 1, ahead, "the batch's runs are read in one statement (4: one chunk): %q", stmts)
		require.Equal(t, 1, one, "only the run cancelled after the read is read again: %q", stmts)

		status := map[int64]string{}
		rows, err = db.Read().Query(ctx, `SELECT message_conversation_id, status FROM flow_runs`)
		require.NoError(t, err)
		for rows.Next() {
			var conv int64
			var st string
			require.NoError(t, rows.Scan(&conv, &st))
			status[conv] = st
		}
		rows.Close()
		require.Equal(t, map[int64]string{outs[0].ConversationID: StatusCancelled, outs[1].ConversationID: StatusCompleted,
			outs[2].ConversationID: StatusCompleted, outs[3].ConversationID: StatusFailed}, status)
	})
}
