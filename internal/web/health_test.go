package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

// /healthz fails when the database still reads but refuses writes (here a
// trigger refuses them, as a full disk or a read-only replica would), and
// recovers with it.
func TestHealthReportsFailingWrites(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		status, body := call(t, env, "", http.MethodGet, "/healthz", "")
		require.Equal(t, http.StatusOK, status, body)

		refuse := []string{
			`CREATE TRIGGER health_refuse_insert BEFORE INSERT ON health_checks BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END`,
			`CREATE TRIGGER health_refuse_update BEFORE UPDATE ON health_checks BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END`,
		}
		allow := []string{`DROP TRIGGER health_refuse_insert`, `DROP TRIGGER health_refuse_update`}
		if env.Dialect == store.Postgres {
			refuse = []string{
				`CREATE FUNCTION health_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated write failure'; END $$`,
				`CREATE TRIGGER health_refuse BEFORE INSERT OR UPDATE ON health_checks FOR EACH ROW EXECUTE FUNCTION health_refuse()`,
			}
			allow = []string{`DROP TRIGGER health_refuse ON health_checks`}
		}
		run := func(stmts []string) {
			require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
				for _, q := range stmts {
					if _, err := tx.Exec(ctx, q); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		run(refuse)
		status, body = call(t, env, "", http.MethodGet, "/healthz", "")
		e := requireError(t, http.StatusServiceUnavailable, "unhealthy", status, body)
		require.Contains(t, e.Error.Message, "does not take writes")
		require.NotContains(t, e.Error.Message, "simulated write failure", "the driver's words stay in the server log")
		// Reads alone still work: the read check did not catch this.
		status, body = call(t, env, env.APIKey, http.MethodGet, "/api/v1/senders", "")
		require.Equal(t, http.StatusOK, status, body)

		run(allow)
		status, body = call(t, env, "", http.MethodGet, "/healthz", "")
		require.Equal(t, http.StatusOK, status, body)
		var health map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &health))
		require.Equal(t, "ok", health["status"])
	})
}
