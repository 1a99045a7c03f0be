package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A backup taken while webhooks keep arriving restores, on another data
// folder, to a database holding every message acknowledged (200) before
// the backup started. A restore refuses while a server runs on the
// address, and refuses a database holding data without -force.
func TestBackupRestoreUnderLoad(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	env["ZAPFLOW_SANDBOX_ASSISTANT"] = "false"
	s := startServe(t, env)
	secret := sandboxSecret(t, env)
	unix := time.Now().Unix()

	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	var (
		seq   atomic.Int64
		stop  atomic.Bool
		mu    sync.Mutex
		acked = map[int]bool{}
		fails []string
		wg    sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n := int(seq.Add(1))
				code, body, err := postWebhook(client, s.url, secret, n, unix)
				mu.Lock()
				if err != nil || code != http.StatusOK {
					fails = append(fails, string(body))
				} else {
					acked[n] = true
				}
				mu.Unlock()
			}
		}()
	}
	ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	require.Eventually(t, func() bool { return ackedCount() >= 150 }, 60*time.Second, 5*time.Millisecond)
	mu.Lock()
	before := make([]int, 0, len(acked))
	for n := range acked {
		before = append(before, n)
	}
	mu.Unlock()
	archive := filepath.Join(t.TempDir(), "nightly.tar.gz")
	code, out, errOut := runCmd(t, env, "backup", "-o", archive)
	stop.Store(true)
	wg.Wait()
	require.Equal(t, 0, code, errOut)
	require.Empty(t, fails)
	require.Contains(t, out, "wrote "+archive)
	require.Contains(t, out, "the secret key is not in the backup: it is "+filepath.Join(env["ZAPFLOW_DATA_DIR"], "secret.key"))
	t.Logf("%d acknowledged before the backup, %d by the end; %s", len(before), ackedCount(), out)

	// Not while a server runs on the configured address.
	u, err := url.Parse(s.url)
	require.NoError(t, err)
	running := map[string]string{"ZAPFLOW_ADDR": u.Host, "ZAPFLOW_DATA_DIR": env["ZAPFLOW_DATA_DIR"]}
	code, _, errOut = runCmd(t, running, "restore", archive, "-force")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "stop it before restoring")
	require.Equal(t, 0, s.stop(t), s.stderr.String())

	target := testEnv(t)
	code, out, errOut = runCmd(t, target, "restore", archive)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "restored "+archive)
	require.Contains(t, out, "make sure the key this data was written with is "+filepath.Join(target["ZAPFLOW_DATA_DIR"], "secret.key"))
	require.Contains(t, out, "WARNING: there is no key at "+filepath.Join(target["ZAPFLOW_DATA_DIR"], "secret.key")+" yet")
	// The original key goes back in place, so the restored tokens open.
	key, err := os.ReadFile(filepath.Join(env["ZAPFLOW_DATA_DIR"], "secret.key"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(target["ZAPFLOW_DATA_DIR"], "secret.key"), key, 0o600))
	db := openDB(t, target)
	stored := countBy(t, context.Background(), db, `SELECT dedupe_key, COUNT(*) FROM inbound_events GROUP BY dedupe_key`)
	for _, n := range before {
		require.Equal(t, 1, stored["m:"+crashWAMID(n)], "%s was acknowledged before the backup but is not restored", crashWAMID(n))
	}
	require.NoError(t, db.Close())

	code, _, errOut = runCmd(t, target, "restore", archive)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "is not empty")
	require.Contains(t, errOut, "-force")
	code, out, errOut = runCmd(t, target, "restore", "-force", archive)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "kept the replaced "+filepath.Join(target["ZAPFLOW_DATA_DIR"], "zapflow.db.before-restore-"))

	// The restored copy serves.
	s2 := startServe(t, target)
	code2, body := httpGet(t, s2.url+"/healthz", "")
	require.Equal(t, http.StatusOK, code2, body)
	require.Equal(t, secret, sandboxSecret(t, target), "the restored secrets open with the original key")
}

// On PostgreSQL both commands refuse and print the pg_dump recipe.
func TestBackupRefusesPostgres(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	env["ZAPFLOW_DATABASE_URL"] = "postgres://zapflow@127.0.0.1:1/zapflow"
	for _, args := range [][]string{{"backup"}, {"restore", "x.tar.gz"}} {
		code, _, errOut := runCmd(t, env, args...)
		require.Equal(t, 1, code, args)
		require.Contains(t, errOut, "pg_dump --format=custom", args)
		require.Contains(t, errOut, "pg_restore", args)
	}
}

// The schedule is a setting the command shows and changes.
func TestBackupScheduleCommand(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	code, _, errOut := runCmd(t, env, "migrate")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := runCmd(t, env, "backup", "schedule")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "scheduled backups off: every day at 03:00 (server time) into "+filepath.Join(env["ZAPFLOW_DATA_DIR"], "backups")+", keeping the newest 7")
	dir := t.TempDir()
	code, out, errOut = runCmd(t, env, "backup", "schedule", "-on", "-hour", "4", "-keep", "14", "-dir", dir)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "scheduled backups on: every day at 04:00 (server time) into "+dir+", keeping the newest 14")
	code, _, errOut = runCmd(t, env, "backup", "schedule", "-hour", "25")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "want 0 to 23")
	_, err := os.Stat(filepath.Join(env["ZAPFLOW_DATA_DIR"], "zapflow.db"))
	require.NoError(t, err)
}
