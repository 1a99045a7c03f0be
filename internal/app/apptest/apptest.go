// Package apptest runs a whole zapflow (the same wiring as `zapflow serve`)
// inside a test: on a random loopback port, on a fresh SQLite file or a
// fresh PostgreSQL schema, with the sandbox on and an admin's API key.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// testPasswordCost is the PBKDF2 iterations of the passwords a test's
// users get (zapflow's own is 600,000).
const testPasswordCost = 1000

// Env is a running zapflow.
type Env struct {
	App     *app.App
	URL     string // base URL, e.g. http://127.0.0.1:41234
	APIKey  string // an admin API key
	Dialect store.Dialect
	// DatabaseURL (PostgreSQL only) and DataDir let a second instance run
	// on the same database (SameDatabase).
	DatabaseURL string
	DataDir     string
	t           testing.TB
}

// Option adjusts the configuration before the app starts.
type Option func(*config.Config)

// AllowOutbound opens the outbound guard for entries, in
// ZAPFLOW_OUTBOUND_ALLOW's format ("127.0.0.1", "10.0.0.0/8", "crm.lan"):
// a test whose flow steps, AI base URL or Graph URL point at an httptest
// server on loopback says so explicitly; by default they are refused, as
// in production.
func AllowOutbound(t testing.TB, entries string) Option {
	t.Helper()
	allow, err := netguard.ParseAllowlist(entries)
	require.NoError(t, err)
	return func(c *config.Config) { c.OutboundAllow = allow }
}

// SameDatabase runs the new zapflow on other's PostgreSQL schema and data
// directory (its secret key), as a second `zapflow serve` behind the same
// load balancer would.
func SameDatabase(other *Env) Option {
	return func(c *config.Config) {
		c.DatabaseURL = other.DatabaseURL
		c.DataDir = other.DataDir
	}
}

// Start runs a zapflow on dialect d until the test ends.
func Start(t testing.TB, d store.Dialect, opts ...Option) *Env {
	t.Helper()
	env := map[string]string{
		"ZAPFLOW_ADDR":      "127.0.0.1:0",
		"ZAPFLOW_DATA_DIR":  t.TempDir(),
		"ZAPFLOW_LOG_LEVEL": "error",
		"ZAPFLOW_SANDBOX":   "true",
		// Tests that want the assistant switch it on themselves: its
		// replies would add to every other test's sandbox record.
		"ZAPFLOW_SANDBOX_ASSISTANT": "false",
	}
	if d == store.Postgres {
		env["ZAPFLOW_DATABASE_URL"] = storetest.MigratedURL(t)
	}
	cfg, err := config.Parse(func(k string) string { return env[k] }, nil)
	require.NoError(t, err)
	for _, o := range opts {
		o(&cfg)
	}
	if _, err := os.Stat(cfg.SQLitePath()); cfg.DatabaseURL == "" && errors.Is(err, fs.ErrNotExist) {
		// A migrated copy: migrating from nothing takes seconds under -race.
		storetest.CopySQLite(t, cfg.SQLitePath())
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log)
	require.NoError(t, err)
	// Tests sign in hundreds of users; the real hash and check run, at a
	// cost that keeps the suite's time for what it tests.
	a.Agents.SetPasswordCost(testPasswordCost)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("zapflow did not stop within 30s")
		}
	})
	return &Env{App: a, URL: a.PublicURL(), APIKey: AdminKey(t, a), Dialect: d, DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, t: t}
}

// AdminKey returns a new API key of the test admin, created on first use.
// The admin gets no usable password: hashing one would cost every test a
// third of a second, and tests call the API with keys.
func AdminKey(t testing.TB, a *app.App) string {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := a.DB.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
			VALUES ('test-admin@zapflow.local', 'Test admin', 'admin', '!', 0, 0) ON CONFLICT (email) DO NOTHING`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE email = 'test-admin@zapflow.local'`).Scan(&id)
	})
	require.NoError(t, err)
	_, key, err := a.Agents.CreateAPIKey(ctx, "test", id)
	require.NoError(t, err)
	return key
}

// Do calls the API with the admin key and decodes a JSON answer into out
// (when non-nil); it returns the status code.
func (e *Env) Do(method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(e.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+e.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	if out != nil && len(raw) > 0 {
		require.NoError(e.t, json.Unmarshal(raw, out), "body: %s", raw)
	}
	return resp.StatusCode
}

// PostWebhook signs body with secret and POSTs it to the account's webhook.
func (e *Env) PostWebhook(accountID int64, secret string, body []byte) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/webhooks/whatsapp/"+strconv.FormatInt(accountID, 10), bytes.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(secret, body))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// Eventually polls cond until it is true. Its minute is a hang guard, not
// a speed assertion: a busy CI machine may take many times longer than an
// idle one.
func (e *Env) Eventually(cond func() bool, msg string) {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("timed out waiting: %s", msg)
}

// Count runs a COUNT(*) query on the app's database.
func (e *Env) Count(query string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.App.DB.Read().QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
