package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// `zapflow doctor` against a running sandbox install: the Cloud API checks
// pass through the app's own client (the sandbox answers them), and the
// missing https base URL fails the run with its line and fix.
func TestDoctorCommand(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	env["ZAPFLOW_ADDR"] = freeAddr(t)
	require.NoError(t, os.Chmod(env["ZAPFLOW_DATA_DIR"], 0o700))

	// Before the first start: no database, and doctor creates none.
	code, out, errOut := runCmd(t, env, "doctor")
	require.Equal(t, 1, code)
	require.Contains(t, out, "✗ database: cannot open: no database at "+filepath.Join(env["ZAPFLOW_DATA_DIR"], "zapflow.db"))
	require.NoFileExists(t, filepath.Join(env["ZAPFLOW_DATA_DIR"], "zapflow.db"))
	require.NoFileExists(t, filepath.Join(env["ZAPFLOW_DATA_DIR"], "secret.key"))
	require.Contains(t, errOut, "checks failed")

	s := startServe(t, env)
	code, out, errOut = runCmd(t, env, "doctor")
	t.Log("\n" + out)
	require.Equal(t, 1, code, errOut)
	self := s.url
	for _, line := range []string{
		"✓ database: SQLite at " + filepath.Join(env["ZAPFLOW_DATA_DIR"], "zapflow.db") + " reachable, schema at version ",
		"✓ secret key: read from " + filepath.Join(env["ZAPFLOW_DATA_DIR"], "secret.key") + "; opens the secrets of 1 accounts",
		"✗ base URL: ZAPFLOW_BASE_URL is not set — fix: set ZAPFLOW_BASE_URL to the https address",
		"✓ server: " + self + "/healthz answers 200",
		"✓ account 1 (Sandbox) token: accepted by the Cloud API at " + self + "/sandbox/graph",
		"✓ account 1 (Sandbox) webhook: app 100000000000900 (Zapflow Sandbox) sends webhooks to " + self + "/webhooks/whatsapp/1",
		"✓ number ",
		"✓ clock: within 30s",
		"✓ database file: ",
		"✓ debug address: off",
	} {
		require.Contains(t, out, line)
	}
	require.Equal(t, 1, strings.Count(out, "✗"), "only the base URL fails")
	require.Contains(t, errOut, "zapflow doctor: 1 of ")

	code, out, errOut = runCmd(t, env, "healthcheck")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, self+"/healthz: ok")
	require.Equal(t, 0, s.stop(t))
	code, _, errOut = runCmd(t, env, "healthcheck")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "zapflow healthcheck: "+self+"/healthz")
}
