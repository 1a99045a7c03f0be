package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Migration 00010 rebuilds SQLite's flow tables (a UNIQUE name and a
// cascading foreign key cannot be changed in place): every flow, version
// and run survives with its id, a run no longer cascades away with its
// flow, and a name is unique among live flows only.
func TestFlowArchiveMigrationKeepsData(t *testing.T) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "z.db"))
	require.NoError(t, err)
	defer db.Close()
	p, closeDB, err := gooseProvider(db)
	require.NoError(t, err)
	defer closeDB()
	_, err = p.UpTo(ctx, 6)
	require.NoError(t, err)
	w := db.(*sqliteDB).writer
	for _, q := range []string{
		`INSERT INTO flows (id, name, enabled, version, trigger_type, created_at, updated_at) VALUES (7, 'f', 1, 2, 'event', 1, 2)`,
		`INSERT INTO flow_versions (flow_id, version, definition, created_at) VALUES (7, 1, '{}', 1), (7, 2, '{}', 2)`,
		`INSERT INTO flow_runs (id, flow_id, flow_version, status, state, started_at, updated_at, reply_conversation_id) VALUES (40, 7, 2, 'waiting', '{}', 1, 2, 99)`,
		`INSERT INTO flows (id, name, enabled, version, trigger_type, created_at, updated_at) VALUES (8, 'm', 1, 1, 'whatsapp.message_received', 1, 2)`,
		`INSERT INTO flow_versions (flow_id, version, definition, created_at) VALUES (8, 1, '{}', 1)`,
		`INSERT INTO flow_runs (id, flow_id, flow_version, status, state, started_at, updated_at) VALUES
			(41, 8, 1, 'waiting', '{"conversation_id":55}', 1, 2), (42, 8, 1, 'completed', '{"conversation_id":55}', 1, 2)`,
	} {
		_, err := w.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	_, err = p.Up(ctx)
	require.NoError(t, err)

	var n int
	require.NoError(t, w.QueryRowContext(ctx, `SELECT COUNT(*) FROM flow_versions WHERE flow_id = 7`).Scan(&n))
	require.Equal(t, 2, n)
	var conv int64
	require.NoError(t, w.QueryRowContext(ctx, `SELECT reply_conversation_id FROM flow_runs WHERE id = 40 AND flow_id = 7`).Scan(&conv))
	require.Equal(t, int64(99), conv)
	var messageConv int64
	require.NoError(t, w.QueryRowContext(ctx, `SELECT SUM(message_conversation_id) FROM flow_runs WHERE id = 41`).Scan(&messageConv))
	require.Equal(t, int64(55), messageConv, "a message-started run in progress learns its conversation")
	require.NoError(t, w.QueryRowContext(ctx, `SELECT SUM(message_conversation_id) FROM flow_runs WHERE id IN (40, 42)`).Scan(&messageConv))
	require.Zero(t, messageConv, "event runs and finished runs do not")
	var archived int64
	require.NoError(t, w.QueryRowContext(ctx, `SELECT archived_at FROM flows WHERE id = 7 AND name = 'f'`).Scan(&archived))
	require.Zero(t, archived)

	_, err = w.ExecContext(ctx, `DELETE FROM flows WHERE id = 7`)
	require.Error(t, err, "a flow with runs cannot be deleted: its runs would lose their flow")
	_, err = w.ExecContext(ctx, `INSERT INTO flows (name, enabled, version, trigger_type, created_at, updated_at) VALUES ('f', 0, 1, 'event', 3, 3)`)
	require.Error(t, err, "two live flows cannot share a name")
	_, err = w.ExecContext(ctx, `UPDATE flows SET archived_at = 5 WHERE id = 7`)
	require.NoError(t, err)
	_, err = w.ExecContext(ctx, `INSERT INTO flows (name, enabled, version, trigger_type, created_at, updated_at) VALUES ('f', 0, 1, 'event', 3, 3)`)
	require.NoError(t, err, "an archived flow's name is free")
	var idx int
	require.NoError(t, w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('flow_runs_flow', 'flow_runs_status', 'flow_runs_reply', 'flow_runs_message_conv', 'flows_name')`).Scan(&idx))
	require.Equal(t, 5, idx)
}
