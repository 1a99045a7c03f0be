package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/cleanup"
	"github.com/zapflow/zapflow/internal/store"
)

// oldChat stores a conversation whose one message is 100 days old.
func oldChat(t *testing.T, env *apptest.Env) (convID, msgID int64) {
	t.Helper()
	ctx := context.Background()
	at := store.Millis(time.Now().AddDate(0, 0, -100))
	require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
		var contactID, senderID int64
		if err := tx.QueryRow(ctx, `SELECT id FROM senders ORDER BY id LIMIT 1`).Scan(&senderID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO contacts (wa_id, phone, created_at, updated_at) VALUES ('5511988887777', '+5511988887777', ?, ?)
			RETURNING id`, at, at).Scan(&contactID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO conversations (sender_id, contact_id, started_at, last_message_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, senderID, contactID, at, at, at, at).Scan(&convID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO messages (conversation_id, direction, wamid, type, status, occurred_at, created_at, updated_at)
			VALUES (?, 'in', 'wamid.old', 'text', 'received', ?, ?, ?) RETURNING id`, convID, at, at, at).Scan(&msgID)
	}))
	return convID, msgID
}

func TestAPICleanup(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		var v cleanup.View
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/settings/cleanup", nil, &v))
		require.Equal(t, cleanup.DefaultSettings, v.Settings)
		require.Equal(t, "UTC", v.TimeZone)
		require.True(t, v.NextRunAt.IsZero(), "off: no next run")

		e := doError(t, env, http.MethodPut, "/api/v1/settings/cleanup", `{"retention_days":0}`, http.StatusUnprocessableEntity, "invalid_settings")
		require.Equal(t, "retention_days", e.Error.Field)
		e = doError(t, env, http.MethodPut, "/api/v1/settings/cleanup", `{"time_of_day":"25:00"}`, http.StatusUnprocessableEntity, "invalid_settings")
		require.Equal(t, "time_of_day", e.Error.Field)
		doError(t, env, http.MethodPut, "/api/v1/settings/cleanup", `{"retention":5}`, http.StatusBadRequest, "invalid_json")

		status, raw := call(t, env, env.APIKey, http.MethodPut, "/api/v1/settings/cleanup", `{"enabled":true,"retention_days":30,"time_of_day":"02:30"}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.NoError(t, json.Unmarshal([]byte(raw), &v))
		require.Equal(t, cleanup.Settings{Enabled: true, RetentionDays: 30, TimeOfDay: "02:30"}, v.Settings)
		require.False(t, v.NextRunAt.IsZero())
		changes, err := env.App.Settings.Changes(context.Background(), cleanup.Key, 5)
		require.NoError(t, err)
		require.Len(t, changes, 1)
		require.Contains(t, changes[0].Summary, "retention_days: 90 → 30")

		convID, msgID := oldChat(t, env)
		var dry cleanup.Run
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/cleanup/run", map[string]any{"dry_run": true}, &dry))
		require.Equal(t, cleanup.TriggerDryRun, dry.Trigger)
		require.Equal(t, int64(1), dry.Messages)
		require.Equal(t, int64(1), dry.Conversations)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE id = ?`, msgID), "a dry run deletes nothing")

		var run cleanup.Run
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/cleanup/run", map[string]any{}, &run))
		require.Equal(t, cleanup.TriggerManual, run.Trigger)
		require.Equal(t, cleanup.StatusDone, run.Status)
		require.Equal(t, dry.Counts, run.Counts)
		require.NotZero(t, run.UserID)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE id = ?`, msgID))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM conversations WHERE id = ?`, convID))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM contacts WHERE wa_id = '5511988887777'`), "contacts stay")

		var list struct{ Runs []cleanup.Run }
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/cleanup/runs?limit=5", nil, &list))
		require.Len(t, list.Runs, 2)
		require.Equal(t, run.ID, list.Runs[0].ID)
		doError(t, env, http.MethodGet, "/api/v1/cleanup/runs?limit=x", "", http.StatusUnprocessableEntity, "invalid_query")
		doError(t, env, http.MethodPost, "/api/v1/cleanup/run", `{"dry":true}`, http.StatusBadRequest, "invalid_json")

		// manage_settings is needed for all of it.
		_, key := agentWithKey(t, env, "ana@example.com")
		for _, rt := range [][3]string{
			{http.MethodGet, "/api/v1/settings/cleanup", ""},
			{http.MethodPut, "/api/v1/settings/cleanup", `{"enabled":false}`},
			{http.MethodPost, "/api/v1/cleanup/run", `{"dry_run":true}`},
			{http.MethodGet, "/api/v1/cleanup/runs", ""},
		} {
			status, raw := call(t, env, key, rt[0], rt[1], rt[2])
			requireError(t, http.StatusForbidden, "forbidden", status, raw)
		}
	})
}
