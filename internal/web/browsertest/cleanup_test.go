package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
)

// TestCleanupPanelSaveValidateAndRun: on the chat history cleanup panel an
// admin sees a retention of 0 refused next to its field, saves 30 days,
// previews a dry run that counts an old chat without deleting it, and
// runs the cleanup after confirming, which removes it.
func TestCleanupPanelSaveValidateAndRun(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	ctx := context.Background()
	at := store.Millis(time.Now().AddDate(0, 0, -100))
	require.NoError(t, p.env.App.DB.InTx(ctx, func(tx store.Tx) error {
		var contactID, convID int64
		if err := tx.QueryRow(ctx, `INSERT INTO contacts (wa_id, phone, created_at, updated_at) VALUES ('5511966665555', '+5511966665555', ?, ?)
			RETURNING id`, at, at).Scan(&contactID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO conversations (sender_id, contact_id, started_at, last_message_at, created_at, updated_at)
			VALUES ((SELECT MIN(id) FROM senders), ?, ?, ?, ?, ?) RETURNING id`, contactID, at, at, at, at).Scan(&convID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO messages (conversation_id, direction, wamid, type, status, occurred_at, created_at, updated_at)
			VALUES (?, 'in', 'wamid.browser-old', 'text', 'received', ?, ?, ?)`, convID, at, at, at)
		return err
	}))
	p.login("admin@example.com")
	p.goTo("/settings/cleanup")
	p.waitText(".settings h1", "Auto clear chat history")

	p.submit(
		chromedp.SetValue(chromedp.ID("retention_days"), "0"),
		chromedp.Click(chromedp.CSS(`.settings-form button[type="submit"]`)),
	)
	p.waitText("#err-retention_days", "from 1 to 3650")
	invalid, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("retention_days").getAttribute("aria-invalid")`))
	require.NoError(t, err)
	require.Equal(t, "true", invalid)

	p.submit(
		chromedp.SetValue(chromedp.ID("retention_days"), "30"),
		chromedp.Click(chromedp.ID("enabled")),
		chromedp.Click(chromedp.CSS(`.settings-form button[type="submit"]`)),
	)
	p.waitText(".saved", "Saved")
	v, err := p.env.App.Cleanup.Settings(ctx)
	require.NoError(t, err)
	require.Equal(t, 30, v.RetentionDays)
	require.True(t, v.Enabled)

	p.submit(chromedp.Click(chromedp.ID("cleanup-preview")))
	p.waitText("#cleanup-result", "Dry run")
	p.waitText(`#cleanup-result [data-count="messages"]`, "1")
	p.waitText(`#cleanup-result [data-count="conversations"]`, "1")
	require.Equal(t, 1, p.env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = 'wamid.browser-old'`), "a dry run deletes nothing")
	p.shot("settings-cleanup")

	// "Run cleanup now" asks first; the test answers the question yes.
	asks, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("cleanup-run").form.dataset.confirm || ""`))
	require.NoError(t, err)
	require.Contains(t, asks, "cannot be undone")
	_, err = chromedp.Run(p.ctx, chromedp.Evaluate[bool](`window.confirm = () => true, true`))
	require.NoError(t, err)
	p.submit(chromedp.Click(chromedp.ID("cleanup-run")))
	p.waitText("#cleanup-result", "Cleanup finished")
	p.waitText(`#cleanup-result [data-count="messages"]`, "1")
	require.Zero(t, p.env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = 'wamid.browser-old'`))
	p.waitText(".cleanup-runs td", "Run now")
}
