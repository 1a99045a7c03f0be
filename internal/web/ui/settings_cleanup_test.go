package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/store"
)

// cleanupOldMessage stores a conversation with one message 100 days old
// and returns the message's id.
func cleanupOldMessage(t *testing.T, env *apptest.Env) int64 {
	t.Helper()
	ctx := context.Background()
	at := store.Millis(time.Now().AddDate(0, 0, -100))
	var id int64
	require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
		var contactID, convID int64
		if err := tx.QueryRow(ctx, `INSERT INTO contacts (wa_id, phone, created_at, updated_at) VALUES ('5511977776666', '+5511977776666', ?, ?)
			RETURNING id`, at, at).Scan(&contactID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO conversations (sender_id, contact_id, started_at, last_message_at, created_at, updated_at)
			VALUES ((SELECT MIN(id) FROM senders), ?, ?, ?, ?, ?) RETURNING id`, contactID, at, at, at, at).Scan(&convID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO messages (conversation_id, direction, wamid, type, status, occurred_at, created_at, updated_at)
			VALUES (?, 'in', 'wamid.ui-old', 'text', 'received', ?, ?, ?) RETURNING id`, convID, at, at, at).Scan(&id)
	}))
	return id
}

// The cleanup panel: a save applies and is audited; a retention of 0 is
// refused next to its field and saves nothing; a dry run shows what a run
// would remove and deletes nothing; "run cleanup now" removes it.
func TestCleanupPanel(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		status, _, body := b.do(http.MethodGet, "/settings/cleanup", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Auto clear chat history")
		require.Contains(t, body, `name="retention_days" value="90"`)

		body = b.saveSettings("/settings/cleanup", url.Values{"enabled": {"on"}, "retention_days": {"30"}, "time_of_day": {"04:15"}})
		require.Contains(t, body, `value="30"`)
		require.Contains(t, body, `value="04:15"`)
		require.Contains(t, body, "Next scheduled run:")
		require.Contains(t, body, "retention_days: 90 → 30")

		status, _, body = b.do(http.MethodPost, "/settings/cleanup", url.Values{"retention_days": {"0"}, "time_of_day": {"04:15"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-retention_days"`)
		require.Contains(t, body, "from 1 to 3650")
		require.Contains(t, body, `value="0"`, "the typed value is shown again")
		v, err := env.App.Cleanup.Settings(context.Background())
		require.NoError(t, err)
		require.Equal(t, 30, v.RetentionDays, "nothing was saved")
		require.True(t, v.Enabled)

		msg := cleanupOldMessage(t, env)
		status, h, _ := b.do(http.MethodPost, "/settings/cleanup/run", url.Values{"dry_run": {"1"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		status, _, body = b.do(http.MethodGet, h.Get("Location"), nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Dry run: nothing was deleted")
		require.Contains(t, body, `<span data-count="messages">1</span>`)
		require.Contains(t, body, `<span data-count="conversations">1</span>`)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE id = ?`, msg))

		status, h, _ = b.do(http.MethodPost, "/settings/cleanup/run", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		_, _, body = b.do(http.MethodGet, h.Get("Location"), nil, nil)
		require.Contains(t, body, "Cleanup finished")
		require.Contains(t, body, `<span data-count="messages">1</span>`)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE id = ?`, msg))
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM cleanup_runs`))
	})
}

// Without manage_settings an agent can neither see the panel nor save
// nor run a cleanup.
func TestCleanupPanelNeedsThePermission(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "bia@example.com", "agent")
		b := newBrowser(t, env)
		status, _, _ := b.login("bia@example.com", "correct horse battery")
		require.Equal(t, http.StatusSeeOther, status)
		status, _, _ = b.do(http.MethodGet, "/settings/cleanup", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = b.do(http.MethodPost, "/settings/cleanup", url.Values{"retention_days": {"1"}, "time_of_day": {"01:00"}}, nil)
		require.Equal(t, http.StatusForbidden, status)
		for _, form := range []url.Values{{}, {"dry_run": {"1"}}} {
			status, _, _ = b.do(http.MethodPost, "/settings/cleanup/run", form, nil)
			require.Equal(t, http.StatusForbidden, status)
		}
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM cleanup_runs`))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings`))
	})
}

// The cleanup panel follows the business's clock (ZAPFLOW_TIME_ZONE): the
// next run is the chosen time of day there, shown with the zone's name.
func TestCleanupPanelUsesTheBusinessTimeZone(t *testing.T) {
	t.Parallel()
	sp, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	env := apptest.Start(t, store.SQLite, func(c *config.Config) { c.TimeZone = sp })
	b := settingsAdmin(t, env, "ana@example.com")
	body := b.saveSettings("/settings/cleanup", url.Values{"enabled": {"on"}, "retention_days": {"30"}, "time_of_day": {"04:15"}})
	require.Contains(t, body, "America/Sao_Paulo.")
	require.Regexp(t, `\d{4}-\d\d-\d\d 04:15 America/Sao_Paulo`, body, "the next run at 04:15 on São Paulo's clock")
}
