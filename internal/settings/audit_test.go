package settings_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testclock"
)

// TestAuditLinesNameTheUser records changes of two sections and reads
// the latest of one, newest first, with the user's name.
func TestAuditLinesNameTheUser(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		c := testclock.New(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
		s := settings.New(db, c.Now, time.Second)
		var uid int64
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
				VALUES ('ana@example.com', 'Ana', 'admin', '!', 0, 0) RETURNING id`).Scan(&uid)
		}))
		require.NoError(t, s.RecordChange(ctx, "stop_bot", uid, "first"))
		c.Add(time.Minute)
		require.NoError(t, s.RecordChange(ctx, "ai", uid, "other section"))
		require.NoError(t, s.RecordChange(ctx, "stop_bot", 0, "second"))

		got, err := s.Changes(ctx, "stop_bot", 5)
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, "second", got[0].Summary)
		require.Empty(t, got[0].UserName, "no such user")
		require.Equal(t, "first", got[1].Summary)
		require.Equal(t, "Ana", got[1].UserName)
		require.Equal(t, c.Now().Add(-time.Minute), got[1].CreatedAt)
	})
}

// TestDiffNamesChangedFieldsAndHidesSecrets shows the audit summary of a
// change: only changed fields, lists readable, secrets without values.
func TestDiffNamesChangedFieldsAndHidesSecrets(t *testing.T) {
	t.Parallel()
	type sec struct {
		On    bool     `json:"on"`
		Words []string `json:"words"`
		Key   string   `json:"key"`
		Same  int      `json:"same"`
	}
	d := settings.Diff(sec{Words: []string{"stop"}, Key: "sk-1", Same: 1}, sec{On: true, Words: []string{"stop", "parar"}, Key: "sk-2", Same: 1}, "key")
	require.Equal(t, "key changed; on: false → true; words: stop → stop, parar", d)
	require.Empty(t, settings.Diff(sec{Same: 2}, sec{Same: 2}))
}

// TestAuditLogFiltersAndPages reads every section's lines, then one
// section's, one user's, and pages back with Before.
func TestAuditLogFiltersAndPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := settings.New(db, time.Now, time.Second)
		var ana int64
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
				VALUES ('ana@example.com', 'Ana', 'admin', '!', 0, 0) RETURNING id`).Scan(&ana)
		}))
		require.NoError(t, s.RecordChange(ctx, "flows", ana, "created flow"))
		require.NoError(t, s.RecordChange(ctx, "users", 0, "created user"))
		require.NoError(t, s.RecordChange(ctx, "flows", ana, "enabled flow"))

		all, err := s.Log(ctx, settings.AuditFilter{})
		require.NoError(t, err)
		require.Len(t, all, 3)
		require.Equal(t, "enabled flow", all[0].Summary)
		flows, err := s.Log(ctx, settings.AuditFilter{Section: "flows"})
		require.NoError(t, err)
		require.Len(t, flows, 2)
		mine, err := s.Log(ctx, settings.AuditFilter{UserID: ana})
		require.NoError(t, err)
		require.Len(t, mine, 2)
		older, err := s.Log(ctx, settings.AuditFilter{Before: all[0].ID, Limit: 1})
		require.NoError(t, err)
		require.Len(t, older, 1)
		require.Equal(t, "created user", older[0].Summary)
		sections, err := s.AuditSections(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"flows", "users"}, sections)
	})
}
