package doctor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A healthy installation passes every check, on both databases.
func TestAllPass(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, d)
			rs := f.run(t)
			require.Empty(t, failing(rs))
			lines := make([]string, len(rs))
			for i, r := range rs {
				lines[i] = r.String()
			}
			all := strings.Join(lines, "\n")
			t.Log("\n" + all)
			require.Contains(t, all, "✓ database: ")
			require.Contains(t, all, "(latest)")
			require.Contains(t, all, "✓ secret key: read from ZAPFLOW_SECRET_KEY(_FILE); opens the secrets of 1 accounts")
			require.Contains(t, all, "✓ account 1 (Loja) webhook: app ")
			require.Contains(t, all, "sends webhooks to "+f.env.Config.BaseURL+"/webhooks/whatsapp/1")
			require.Contains(t, all, "✓ number +55 11 4000-0001 (100000000000011): status CONNECTED, quality GREEN")
			require.Contains(t, all, "✓ clock: within 30s")
			if d == store.SQLite {
				require.Contains(t, all, "✓ database file: "+filepath.Join(f.dataDir, "zapflow.db")+" is 0600")
				require.Contains(t, all, "✓ data folder: ")
			} else {
				require.NotContains(t, all, "database file")
			}
			require.Equal(t, 0, Failed(rs))
		})
	}
}

// Each broken check fails with its own line and fix, and only it.
func TestBrokenChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name   string
		break_ func(t *testing.T, f *fixture)
		prefix string
		has    []string
	}{
		{"schema behind", func(t *testing.T, f *fixture) {
			latest, err := store.LatestSchema(f.db.Dialect())
			require.NoError(t, err)
			exec(t, f.db, `DELETE FROM goose_db_version WHERE version_id = ?`, latest)
		}, "✗ database: ", []string{"this zapflow needs", "fix: run 'zapflow migrate'"}},
		{"healthz failing", func(t *testing.T, f *fixture) { f.healthy.Store(false) },
			"✗ server: ", []string{"answered 503", "does not take writes", "fix: read the server's log"}},
		{"token refused", func(t *testing.T, f *fixture) {
			exec(t, f.db, `UPDATE accounts SET access_token = ? WHERE id = 1`, f.seal(t, "expired-token"))
		}, "✗ account 1 (Loja) token: ", []string{"refused (code 190", "new System User access token"}},
		{"webhook elsewhere", func(t *testing.T, f *fixture) { f.sb.SetWebhookURL("https://old-host.example/hook") },
			"✗ account 1 (Loja) webhook: ", []string{"webhooks go to [https://old-host.example/hook], not " + "BASE/webhooks/whatsapp/1", "fix: set the callback URL"}},
		{"sender disconnected", func(t *testing.T, f *fixture) { f.sb.SetSenderStatus("100000000000012", "DISCONNECTED") },
			"✗ number ", []string{"(100000000000012): status DISCONNECTED", "WhatsApp Manager"}},
		{"sender quality red", func(t *testing.T, f *fixture) { f.sb.SetQuality("100000000000011", "RED") },
			"✗ number +55 11 4000-0001 (100000000000011): ", []string{"quality RED"}},
		{"clock ahead", func(t *testing.T, f *fixture) {
			f.env.Now = func() time.Time { return time.Now().Add(5 * time.Minute) }
		}, "✗ clock: ", []string{"this machine is 5m", "ahead of the Cloud API's clock", "time sync"}},
		{"disk nearly full", func(t *testing.T, f *fixture) {
			f.env.FreeDisk = func(string) (uint64, uint64, error) { return 200 << 20, 100 << 30, nil }
		}, "✗ disk: ", []string{"0.2 GiB free of 100.0 GiB", "less than 1.0 GiB"}},
		{"database file readable by others", func(t *testing.T, f *fixture) {
			require.NoError(t, os.Chmod(filepath.Join(f.dataDir, "zapflow.db"), 0o644))
		}, "✗ database file: ", []string{"is 0644", "fix: chmod 600 " + filepath.Join("DATA", "zapflow.db")}},
		{"data folder open", func(t *testing.T, f *fixture) { require.NoError(t, os.Chmod(f.dataDir, 0o755)) },
			"✗ data folder: ", []string{"is 0755", "fix: chmod 700 DATA"}},
		{"debug address exposed", func(t *testing.T, f *fixture) { f.env.Config.DebugAddr = "0.0.0.0:6060" },
			"✗ debug address: ", []string{"0.0.0.0:6060 is reachable from other machines", "ZAPFLOW_DEBUG_ADDR=127.0.0.1:6060"}},
		{"sealed setting from another key", func(t *testing.T, f *fixture) {
			other, err := secret.New("another key")
			require.NoError(t, err)
			v, err := other.Encrypt("sk-123")
			require.NoError(t, err)
			exec(t, f.db, `INSERT INTO settings (key, value, updated_at) VALUES ('ai', ?, 0)`, `{"api_key":"`+v+`"}`)
		}, "✗ secret key: ", []string{`does not open the stored setting "ai"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, store.SQLite)
			tc.break_(t, f)
			var has []string
			for _, s := range tc.has {
				s = strings.ReplaceAll(s, "BASE", f.env.Config.BaseURL)
				has = append(has, strings.ReplaceAll(s, "DATA", f.dataDir))
			}
			requireOnlyFailure(t, f.run(t), tc.prefix, has...)
		})
	}

	t.Run("base URL not https", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, store.SQLite)
		f.env.Config.BaseURL = "http://zapflow.example"
		r := BaseURL(f.env)
		require.Equal(t, "✗ base URL: http://zapflow.example is not https — fix: serve zapflow behind a TLS proxy (Caddy, nginx) and set ZAPFLOW_BASE_URL=https://…", r.String())
		f.env.Config.BaseURL = ""
		require.Contains(t, BaseURL(f.env).String(), "✗ base URL: ZAPFLOW_BASE_URL is not set")
	})
	t.Run("no database", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, store.SQLite)
		f.env.DB, f.env.DBErr = nil, errors.New("no database at /srv/zapflow/zapflow.db")
		rs := f.run(t)
		bad := failing(rs)
		require.Contains(t, bad[0], "✗ database: cannot open: no database at /srv/zapflow/zapflow.db — fix: check ZAPFLOW_DATABASE_URL")
		require.Contains(t, strings.Join(bad, "\n"), "✗ accounts: not checked — fix: fix the database and the secret key first")
	})
	t.Run("wrong key", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, store.SQLite)
		f.env.Config.SecretKey = "not the key"
		bad := failing(f.run(t))
		require.Equal(t, "✗ secret key: the key from ZAPFLOW_SECRET_KEY(_FILE) does not open the stored access tokens — fix: set ZAPFLOW_SECRET_KEY_FILE to the key this database was written with (the one kept apart from the backups)", bad[0])
		require.Len(t, bad, 2, "the accounts cannot be checked either")
	})
	t.Run("key file missing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, store.SQLite)
		f.env.Config.SecretKey = ""
		r, box := SecretKey(ctx, f.env)
		require.Nil(t, box)
		require.Contains(t, r.String(), "✗ secret key: not set and ")
		require.Contains(t, r.String(), "fix: put the key back at "+secret.KeyPath(f.dataDir))
		require.NoFileExists(t, secret.KeyPath(f.dataDir), "doctor never generates a key")
		require.NoError(t, os.WriteFile(secret.KeyPath(f.dataDir), []byte(testKey+"\n"), 0o600))
		r, box = SecretKey(ctx, f.env)
		require.NotNil(t, box)
		require.True(t, r.OK, r.String())
	})
	t.Run("schema behind on every database", func(t *testing.T) {
		t.Parallel()
		for _, d := range storetest.Dialects() {
			f := newFixture(t, d)
			exec(t, f.db, `DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)`)
			r := Database(ctx, f.env)
			require.False(t, r.OK, d)
			require.Contains(t, r.String(), "this zapflow needs", d)
		}
	})
	t.Run("clock behind", func(t *testing.T) {
		t.Parallel()
		t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
		r := Clock(ClockSample{Server: t0, Local: t0.Add(-2 * time.Minute)}, 30*time.Second)
		require.Equal(t, "✗ clock: this machine is 2m0s behind the Cloud API's clock — fix: turn on time sync (systemd-timesyncd or chrony): schedules, 24-hour windows and signatures depend on it", r.String())
		require.True(t, Clock(ClockSample{Server: t0, Local: t0.Add(time.Second)}, 30*time.Second).OK)
		require.True(t, Clock(ClockSample{}, 30*time.Second).OK, "nothing to compare with")
	})
	t.Run("no subscribed app", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, store.SQLite)
		acc := accountOf(t, f)
		r := webhookResult("account 1 (Loja)", f.env, acc, nil)
		require.Equal(t, "✗ account 1 (Loja) webhook: no app is subscribed to WABA "+sandbox.DefaultWABAID+"'s webhooks, so no message arrives — fix: subscribe your app: curl -X POST '"+acc.GraphURL+"/v23.0/"+sandbox.DefaultWABAID+"/subscribed_apps' -H 'Authorization: Bearer <token>'", r.String())
	})
}
