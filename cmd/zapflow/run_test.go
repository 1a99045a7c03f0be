package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// syncBuffer is an io.Writer the server goroutine writes to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testEnv is a fresh SQLite data dir on a random loopback port.
func testEnv(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"ZAPFLOW_ADDR":      "127.0.0.1:0",
		"ZAPFLOW_DATA_DIR":  t.TempDir(),
		"ZAPFLOW_LOG_LEVEL": "warn",
	}
}

func getenv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// runCmd runs one subcommand to completion and returns its exit code and
// output.
func runCmd(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code = run(ctx, args, getenv(env), &out, &errOut)
	return code, out.String(), errOut.String()
}

// openDB opens the database a test environment points at.
func openDB(t *testing.T, env map[string]string) store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), env["ZAPFLOW_DATABASE_URL"], filepath.Join(env["ZAPFLOW_DATA_DIR"], "zapflow.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// server is a `zapflow serve` running in-process.
type server struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
	url            string
}

var listeningRE = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+) `)

// startServe runs serve until it prints "listening on" and returns it; the
// server is stopped at the end of the test if the test did not stop it.
func startServe(t *testing.T, env map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { s.done <- run(ctx, []string{"serve"}, getenv(env), s.stdout, s.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(processBound):
			t.Errorf("serve did not stop within the process bound")
		}
	})
	deadline := time.After(processBound)
	for {
		if m := listeningRE.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case code := <-s.done:
			s.done <- code // for the cleanup
			t.Fatalf("serve exited with %d before listening\nstdout:\n%s\nstderr:\n%s", code, s.stdout, s.stderr)
		case <-deadline:
			t.Fatalf("serve did not print 'listening on' within the process bound\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop cancels the context and returns run's exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		return code
	case <-time.After(processBound):
		t.Fatalf("serve did not return within the process bound of cancel\nstderr:\n%s", s.stderr)
		return -1
	}
}

func httpGet(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCmd(t, map[string]string{}, "version")
	require.Equal(t, 0, code)
	require.Equal(t, "zapflow dev\n", out)
	require.Empty(t, errOut)
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"help", "-h", "--help"} {
		code, out, _ := runCmd(t, map[string]string{}, arg)
		require.Equal(t, 0, code, arg)
		require.Contains(t, out, "Usage:", arg)
	}
}

// serve and migrate take no arguments: asking them for help shows it and
// does nothing else, and anything else is refused before any database is
// touched.
func TestServeAndMigrateTakeNoArguments(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"serve", "migrate"} {
		env := testEnv(t)
		code, out, errOut := runCmd(t, env, cmd, "--help")
		require.Equal(t, 0, code, cmd)
		require.Contains(t, out, "Usage:", cmd)
		require.Empty(t, errOut, cmd)
		code, out, errOut = runCmd(t, env, cmd, "-port", "9000")
		require.Equal(t, 2, code, cmd)
		require.Empty(t, out, cmd)
		require.Contains(t, errOut, `zapflow `+cmd+`: takes no arguments, got "-port"`, cmd)
		require.NoFileExists(t, filepath.Join(env["ZAPFLOW_DATA_DIR"], "zapflow.db"), cmd)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCmd(t, testEnv(t), "frobnicate")
	require.Equal(t, 2, code)
	require.Empty(t, out)
	require.Contains(t, errOut, `unknown command "frobnicate"`)
	require.Contains(t, errOut, "Usage:")
	require.Contains(t, errOut, "zapflow migrate")
}

func TestInvalidVariable(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"ZAPFLOW_SANDBOX":          "maybe",
		"ZAPFLOW_AUTO_MIGRATE":     "perhaps",
		"ZAPFLOW_LOG_LEVEL":        "loud",
		"ZAPFLOW_SHUTDOWN_TIMEOUT": "-1s",
		"ZAPFLOW_DEBUG_ADDR":       "0.0.0.0:6060", // the profiler only on loopback
	} {
		env := testEnv(t)
		env[name] = value
		for _, cmd := range []string{"serve", "migrate"} {
			code, out, errOut := runCmd(t, env, cmd)
			require.Equal(t, 2, code, "%s=%s %s", name, value, cmd)
			require.Empty(t, out)
			require.Contains(t, errOut, name, "%s=%s %s", name, value, cmd)
		}
	}
}

func TestMigrateThenRefuseWithoutAutoMigrate(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	code, out, errOut := runCmd(t, env, "migrate")
	require.Equal(t, 0, code, errOut)
	// It names each migration it applied, ours and the job queue's.
	require.Regexp(t, `^applied 00001_init\.sql\n`, out)
	require.Contains(t, out, "applied 00009_api_key_users.sql\n")
	require.Regexp(t, `(?m)^applied job queue \(River\) migration \d+$`, out)
	version := regexp.MustCompile(`(?m)^database schema at version ([1-9]\d*)$`).FindStringSubmatch(out)
	require.NotNil(t, version, out)

	// Migrating again applies nothing, at the same version.
	code, out2, errOut := runCmd(t, env, "migrate")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "nothing to apply: database schema at version "+version[1]+"\n", out2)

	// A fresh data dir with ZAPFLOW_AUTO_MIGRATE=false is not migrated:
	// serve refuses and says what to run.
	fresh := testEnv(t)
	fresh["ZAPFLOW_AUTO_MIGRATE"] = "false"
	code, out, errOut = runCmd(t, fresh, "serve")
	require.Equal(t, 1, code)
	require.NotContains(t, out, "listening on")
	require.Contains(t, errOut, "zapflow migrate")

	// The migrated one serves with ZAPFLOW_AUTO_MIGRATE=false.
	env["ZAPFLOW_AUTO_MIGRATE"] = "false"
	s := startServe(t, env)
	require.Equal(t, 0, s.stop(t), s.stderr.String())
}

var (
	adminRE    = regexp.MustCompile(`(?m)^\s*admin login:\s+(\S+)$`)
	passwordRE = regexp.MustCompile(`(?m)^\s*password:\s+(\S+)$`)
	apiKeyRE   = regexp.MustCompile(`(?m)^\s*API key:\s+(zf_\S+)$`)
)

func TestServeFirstStart(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			env := testEnv(t)
			if d == store.Postgres {
				env["ZAPFLOW_DATABASE_URL"] = storetest.URL(t)
			}
			s := startServe(t, env)
			out := s.stdout.String()
			require.Contains(t, out, "listening on "+s.url)
			if d == store.Postgres {
				require.Contains(t, out, "(PostgreSQL)")
			} else {
				require.Contains(t, out, "(SQLite at "+env["ZAPFLOW_DATA_DIR"]+"/zapflow.db)")
			}
			admin := adminRE.FindStringSubmatch(out)
			require.NotNil(t, admin, out)
			require.Equal(t, "admin@zapflow.local", admin[1])
			pw := passwordRE.FindStringSubmatch(out)
			require.NotNil(t, pw, out)
			require.GreaterOrEqual(t, len(pw[1]), 12)
			key := apiKeyRE.FindStringSubmatch(out)
			require.NotNil(t, key, out)
			// Nothing secret goes to the log.
			require.NotContains(t, s.stderr.String(), pw[1])
			require.NotContains(t, s.stderr.String(), key[1])

			code, body := httpGet(t, s.url+"/healthz", "")
			require.Equal(t, http.StatusOK, code, body)
			code, body = httpGet(t, s.url+"/api/v1/senders", key[1])
			require.Equal(t, http.StatusOK, code, body)
			code, body = httpGet(t, s.url+"/api/v1/senders", "zf_wrong")
			require.Equal(t, http.StatusUnauthorized, code, body)

			// The printed URL leads to the login page, which takes the
			// printed password.
			require.Contains(t, out, "open:         "+s.url+"/login")
			if d == store.SQLite {
				require.Contains(t, out, "secret key:   "+filepath.Join(env["ZAPFLOW_DATA_DIR"], "secret.key"))
			}
			require.Contains(t, out, "keep a copy apart from your backups")
			form := url.Values{"email": {admin[1]}, "password": {pw[1]}, "next": {"/inbox"}}
			req, err := http.NewRequest(http.MethodPost, s.url+"/login", strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := noRedirect.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			require.Equal(t, "/inbox", resp.Header.Get("Location"))
			require.Contains(t, resp.Header.Get("Set-Cookie"), "zapflow_session=")

			require.Equal(t, 0, s.stop(t), s.stderr.String())
			// The printed password works.
			db := openDB(t, env)
			u, err := agent.New(db, nil).Authenticate(context.Background(), admin[1], pw[1])
			require.NoError(t, err)
			require.Equal(t, agent.RoleAdmin, u.Role)
			require.NoError(t, db.Close())

			// Second start on the same data: no new admin, no new key.
			s2 := startServe(t, env)
			out2 := s2.stdout.String()
			require.NotContains(t, out2, "API key:")
			require.NotContains(t, out2, "admin login:")
			require.NotContains(t, out2, "password:")
			code, body = httpGet(t, s2.url+"/api/v1/senders", key[1])
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, 0, s2.stop(t), s2.stderr.String())
		})
	}
}

func TestServeAdminPasswordFromEnv(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	env["ZAPFLOW_ADMIN_EMAIL"] = "Boss@Example.com"
	env["ZAPFLOW_ADMIN_PASSWORD"] = "correct horse battery"
	s := startServe(t, env)
	out := s.stdout.String()
	require.Contains(t, out, "(from ZAPFLOW_ADMIN_PASSWORD)")
	require.NotContains(t, out, "correct horse battery")
	require.Regexp(t, apiKeyRE, out)
	require.Equal(t, 0, s.stop(t), s.stderr.String())

	db := openDB(t, env)
	_, err := agent.New(db, nil).Authenticate(context.Background(), "boss@example.com", "correct horse battery")
	require.NoError(t, err)
}

func TestServeAddressInUse(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	s := startServe(t, env)
	other := testEnv(t)
	other["ZAPFLOW_ADDR"] = strings.TrimPrefix(s.url, "http://")
	code, out, errOut := runCmd(t, other, "serve")
	require.Equal(t, 1, code)
	require.NotContains(t, out, "listening on")
	require.Contains(t, errOut, "ZAPFLOW_ADDR")
	require.Equal(t, 0, s.stop(t), s.stderr.String())
}

var generatedPasswordRE = regexp.MustCompile(`(?m)^password: (\S+)$`)

func TestAdminCreate(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	code, out, errOut := runCmd(t, env, "admin", "create", "-email", "x@y.z")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "created admin x@y.z\n")
	m := generatedPasswordRE.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	pw := m[1]

	code, out, errOut = runCmd(t, env, "admin", "create", "-email", "X@Y.Z", "-name", "Again")
	require.Equal(t, 1, code, out)
	require.Contains(t, errOut, "already exists")

	code, out, errOut = runCmd(t, env, "admin", "create", "-email", "agent@y.z", "-role", "agent", "-password", "s3cret-password")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "created agent agent@y.z\n", out) // a given password is not echoed

	// The printed and the given passwords log in.
	db := openDB(t, env)
	svc := agent.New(db, nil)
	u, err := svc.Authenticate(context.Background(), "x@y.z", pw)
	require.NoError(t, err)
	require.Equal(t, agent.RoleAdmin, u.Role)
	u, err = svc.Authenticate(context.Background(), "agent@y.z", "s3cret-password")
	require.NoError(t, err)
	require.Equal(t, agent.RoleAgent, u.Role)
	require.NoError(t, db.Close())

	// A user made beforehand means serve's first start creates no admin.
	s := startServe(t, env)
	require.NotContains(t, s.stdout.String(), "API key:")
	require.Equal(t, 0, s.stop(t), s.stderr.String())
}

func TestAdminCreateUsage(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	for _, args := range [][]string{
		{"admin"},
		{"admin", "delete"},
		{"admin", "create"},
		{"admin", "create", "-bogus"},
	} {
		code, out, errOut := runCmd(t, env, args...)
		require.Equal(t, 2, code, "%v", args)
		require.Empty(t, out, "%v", args)
		require.Contains(t, errOut, "zapflow admin: ", "%v", args)
	}
	// Invalid input that parses is an error of the command, not usage.
	code, _, errOut := runCmd(t, env, "admin", "create", "-email", "a@b.c", "-role", "boss")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "role")
	code, _, errOut = runCmd(t, env, "admin", "create", "-email", "a@b.c", "-password", "short")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "8 characters")
}

var apikeyRE = regexp.MustCompile(`^API key "crm" \(id \d+\) for admin x@y\.z, shown only now:\n(zf_[A-Za-z0-9_-]{43})\n$`)

func TestAPIKeyCreate(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	code, _, errOut := runCmd(t, env, "admin", "create", "-email", "x@y.z")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := runCmd(t, env, "apikey", "create", "-user", "X@Y.Z", "-name", "crm")
	require.Equal(t, 0, code, errOut)
	m := apikeyRE.FindStringSubmatch(out)
	require.NotNil(t, m, out)

	db := openDB(t, env)
	p, err := agent.New(db, nil).AuthenticateKey(context.Background(), m[1])
	require.NoError(t, err)
	require.Equal(t, agent.RoleAdmin, p.Role)
	require.Equal(t, "x@y.z", p.Email)
	require.NoError(t, db.Close())

	// A second key is a different key.
	code, out2, errOut := runCmd(t, env, "apikey", "create", "-user", "x@y.z", "-name", "crm")
	require.Equal(t, 0, code, errOut)
	m2 := apikeyRE.FindStringSubmatch(out2)
	require.NotNil(t, m2, out2)
	require.NotEqual(t, m[1], m2[1])

	// A user that does not exist is an error of the command.
	code, out, errOut = runCmd(t, env, "apikey", "create", "-user", "nobody@y.z", "-name", "crm")
	require.Equal(t, 1, code, out)
	require.Contains(t, errOut, "no user with this email")

	// The key works against the server.
	s := startServe(t, env)
	code, body := httpGet(t, s.url+"/api/v1/conversations", m[1])
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, 0, s.stop(t), s.stderr.String())
}

var listRowRE = regexp.MustCompile(`(?m)^(\d+)\s+(\S+)\s+(zf_\S{6})…\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$`)

// apikey list shows each key with its user, last use and revocation;
// apikey revoke stops one at once.
func TestAPIKeyListRevoke(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	code, _, errOut := runCmd(t, env, "admin", "create", "-email", "agent@y.z", "-role", "agent", "-password", "s3cret-password")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := runCmd(t, env, "apikey", "create", "-user", "agent@y.z", "-name", "crm")
	require.Equal(t, 0, code, errOut)
	key := regexp.MustCompile(`(?m)^(zf_\S+)$`).FindStringSubmatch(out)[1]
	require.Contains(t, out, "for agent agent@y.z")

	s := startServe(t, env)
	code, body := httpGet(t, s.url+"/api/v1/conversations", key)
	require.Equal(t, http.StatusOK, code, body)

	code, out, errOut = runCmd(t, env, "apikey", "list")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "LAST USED")
	rows := listRowRE.FindAllStringSubmatch(out, -1)
	require.Len(t, rows, 1, out) // serve created no admin key: a user existed
	row := rows[0]
	require.Equal(t, "crm", row[2])
	require.Equal(t, key[:9], row[3])
	require.Equal(t, "agent@y.z", row[4])
	require.NotEqual(t, "never", row[6], "the key was used")
	require.Equal(t, "-", row[7], "not revoked")

	code, out, errOut = runCmd(t, env, "apikey", "revoke", row[1])
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "revoked API key \"crm\" (id "+row[1]+") of agent@y.z\n", out)
	// The running server refuses it on the next request.
	code, body = httpGet(t, s.url+"/api/v1/conversations", key)
	require.Equal(t, http.StatusUnauthorized, code, body)
	require.Contains(t, body, "invalid_api_key")

	code, out, errOut = runCmd(t, env, "apikey", "list")
	require.Equal(t, 0, code, errOut)
	rows = listRowRE.FindAllStringSubmatch(out, -1)
	require.Len(t, rows, 1, out)
	require.NotEqual(t, "-", rows[0][7], "revoked")

	code, _, errOut = runCmd(t, env, "apikey", "revoke", "999")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "not found")
	require.Equal(t, 0, s.stop(t), s.stderr.String())
}

func TestAPIKeyCreateUsage(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	for _, args := range [][]string{
		{"apikey"},
		{"apikey", "delete"},
		{"apikey", "list", "extra"},
		{"apikey", "revoke"},
		{"apikey", "revoke", "abc"},
		{"apikey", "revoke", "1", "2"},
		{"apikey", "create"},
		{"apikey", "create", "-user", "x@y.z", "-name", ""},
		{"apikey", "create", "-user", "x@y.z", "-nom", "crm"},
	} {
		code, out, errOut := runCmd(t, env, args...)
		require.Equal(t, 2, code, "%v", args)
		require.Empty(t, out, "%v", args)
		require.Contains(t, errOut, "zapflow apikey: ", "%v", args)
	}
	// A key with no user is refused from the start.
	code, _, errOut := runCmd(t, env, "apikey", "create", "-name", "crm")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "-user is required")
	code, _, errOut = runCmd(t, env, "apikey", "create", "-user", "x@y.z")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "-name is required")
}

// With the sandbox on and a non-loopback ZAPFLOW_ADDR, serve warns loudly
// that anyone who reaches the address drives the simulated customers; on
// loopback, or with the sandbox off, it does not.
func TestServeWarnsWhenSandboxIsExposed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		addr, sandbox string
		warn          bool
	}{
		{"0.0.0.0:0", "true", true},
		{"127.0.0.1:0", "true", false},
		{"0.0.0.0:0", "false", false},
	} {
		env := testEnv(t)
		env["ZAPFLOW_ADDR"], env["ZAPFLOW_SANDBOX"] = c.addr, c.sandbox
		s := startServe(t, env)
		stderr := s.stderr.String()
		if c.warn {
			require.Contains(t, stderr, "WARNING: the sandbox is on (ZAPFLOW_SANDBOX=true) and zapflow listens on 0.0.0.0:0, which is not loopback", c)
			require.Contains(t, stderr, "anyone who can reach this address can drive the simulated customers")
		} else {
			require.NotContains(t, stderr, "WARNING", c)
		}
		require.Equal(t, 0, s.stop(t), s.stderr.String())
	}
}

// `zapflow sandbox secret` prints the installation's random sandbox app
// secret (what a load test signs webhooks with); without a sandbox
// account it says how to get one.
func TestSandboxSecretCommand(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	env["ZAPFLOW_SANDBOX"] = "false"
	code, _, errOut := runCmd(t, env, "sandbox", "secret")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no_sandbox")

	env["ZAPFLOW_SANDBOX"] = "true"
	s := startServe(t, env)
	require.Equal(t, 0, s.stop(t), s.stderr.String())
	require.Contains(t, s.stdout.String(), "-H 'Content-Type: application/json'", "the banner's curl sends JSON")
	code, out, errOut := runCmd(t, env, "sandbox", "secret")
	require.Equal(t, 0, code, errOut)
	secret := strings.TrimSpace(out)
	require.Regexp(t, `^[0-9a-f]{64}$`, secret)
	require.NotEqual(t, "sandbox-app-secret", secret)

	code, _, errOut = runCmd(t, env, "sandbox")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "usage: zapflow sandbox secret")
}

// processBound bounds how long a test waits for a zapflow it started to
// listen, answer or stop. Only a hang reaches it: a first start under the
// race detector on a loaded 2-core machine (migrations, the admin
// password's key derivation) can take well over 30 s.
const processBound = 2 * time.Minute
