package doctor

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

const (
	testKey   = "doctor-test-key"
	testToken = "doctor-test-token"
)

// fixture is a healthy installation: a migrated database with one
// account and its two numbers on a sandbox Cloud API, served over https
// with our /healthz, and a data folder with the right modes.
type fixture struct {
	env     Env
	db      store.DB
	sb      *sandbox.Sandbox
	box     *secret.Box
	healthy atomic.Bool
	dataDir string
}

func newFixture(t *testing.T, d store.Dialect) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{dataDir: t.TempDir()}
	require.NoError(t, os.Chmod(f.dataDir, 0o700))
	f.healthy.Store(true)
	cfg := config.Config{DataDir: f.dataDir, SecretKey: testKey, Sandbox: "auto", GraphVersion: "v23.0"}
	if d == store.SQLite {
		db, err := store.OpenSQLite(ctx, filepath.Join(f.dataDir, "zapflow.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		require.NoError(t, store.Migrate(ctx, db))
		f.db = db
	} else {
		f.db = storetest.New(t, d)
		cfg.DatabaseURL = "postgres://test"
	}

	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	f.sb = sandbox.New(sandbox.Config{AccessToken: testToken, WebhookURL: srv.URL + "/webhooks/whatsapp/1", Logger: slog.New(slog.DiscardHandler)})
	mux.Handle("/sandbox/", f.sb.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if f.healthy.Load() {
			fmt.Fprintln(w, `{"status":"ok"}`)
			return
		}
		http.Error(w, `{"status":"failing","error":"the database reads but does not take writes"}`, http.StatusServiceUnavailable)
	})
	cfg.BaseURL = srv.URL

	var err error
	f.box, err = secret.New(testKey)
	require.NoError(t, err)
	tok := f.seal(t, testToken)
	exec(t, f.db, `INSERT INTO accounts (id, name, waba_id, access_token, graph_url, graph_version, sandbox, created_at, updated_at)
		VALUES (1, 'Loja', ?, ?, ?, 'v23.0', ?, 0, 0)`, sandbox.DefaultWABAID, tok, srv.URL+"/sandbox/graph", false)
	for i, s := range sandbox.DefaultSenders() {
		exec(t, f.db, `INSERT INTO senders (id, account_id, phone_number_id, display_phone_number, created_at, updated_at) VALUES (?, 1, ?, ?, 0, 0)`,
			i+1, s.PhoneNumberID, s.DisplayPhoneNumber)
	}
	f.env = Env{
		Config:   cfg,
		DB:       f.db,
		HTTP:     srv.Client(),
		GraphFor: func(u, v string) Graph { return whatsapp.NewClient(u, v, srv.Client()) },
		FreeDisk: func(string) (uint64, uint64, error) { return 20 << 30, 100 << 30, nil },
	}
	return f
}

func (f *fixture) seal(t *testing.T, s string) string {
	t.Helper()
	v, err := f.box.Encrypt(s)
	require.NoError(t, err)
	return v
}

func exec(t *testing.T, db store.DB, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, q, args...)
		return err
	}))
}

func (f *fixture) run(t *testing.T) []Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Run(ctx, f.env)
}

// failing lists the failing lines.
func failing(rs []Result) []string {
	var out []string
	for _, r := range rs {
		if !r.OK {
			out = append(out, r.String())
		}
	}
	return out
}

// requireOnlyFailure asserts exactly one line fails and it starts with
// prefix and contains every fragment.
func requireOnlyFailure(t *testing.T, rs []Result, prefix string, fragments ...string) {
	t.Helper()
	bad := failing(rs)
	require.Len(t, bad, 1, "failing lines: %s", strings.Join(bad, "\n"))
	require.True(t, strings.HasPrefix(bad[0], prefix), bad[0])
	for _, s := range fragments {
		require.Contains(t, bad[0], s)
	}
}

func accountOf(t *testing.T, f *fixture) account.Account {
	t.Helper()
	accs, err := account.New(account.Options{DB: f.db, Box: f.box}).Accounts(context.Background())
	require.NoError(t, err)
	require.Len(t, accs, 1)
	return accs[0]
}
