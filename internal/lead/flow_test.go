package lead_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A flow run finds its contact by id, conversation or phone, and the
// agent it names by email.
func TestFlowHelpersFindContactAndAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		require.NoError(t, e.deliver(inbound("wamid.f1", "5511988881111", t0)))
		c := e.contactOf(t, "5511988881111")
		var conv int64
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT id FROM conversations WHERE contact_id = ?`, c).Scan(&conv))
		q := db.Read()
		for _, tc := range []struct {
			id, conv int64
			phone    string
		}{{c, 0, ""}, {0, conv, ""}, {0, 0, "+5511988881111"}, {999, 0, "5511988881111"}} {
			got, err := e.leads.ResolveContact(ctx, q, tc.id, tc.conv, tc.phone)
			require.NoError(t, err)
			require.Equal(t, c, got, "%+v", tc)
		}
		_, err := e.leads.ResolveContact(ctx, q, 999, 999, "+5511000000000")
		apperrtest.Require(t, err, apperr.KindInvalid, "contact_not_found", "")

		ana := e.agent(t, "ana")
		got, err := e.leads.AgentByEmail(ctx, q, " ANA@example.com ")
		require.NoError(t, err)
		require.Equal(t, ana, got)
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET active = ? WHERE id = ?`, false, ana)
			return err
		}))
		_, err = e.leads.AgentByEmail(ctx, q, "ana@example.com")
		apperrtest.Require(t, err, apperr.KindInvalid, "agent_not_found", "")
		_, err = e.leads.AgentByEmail(ctx, q, "nobody@example.com")
		apperrtest.Require(t, err, apperr.KindInvalid, "agent_not_found", "")
	})
}
