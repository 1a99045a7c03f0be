package doctor

import (
	"context"
	"fmt"

	"github.com/zapflow/zapflow/internal/store"
)

// Database checks that the database answers and is migrated to the
// version this binary needs.
func Database(ctx context.Context, env Env) Result {
	const what = "database"
	if env.DB == nil {
		return fail(what, fmt.Sprintf("cannot open: %v", env.DBErr),
			"check ZAPFLOW_DATABASE_URL (PostgreSQL) or ZAPFLOW_DATA_DIR (SQLite) and that the server can reach it")
	}
	var one int
	if err := env.DB.Read().QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fail(what, fmt.Sprintf("does not answer: %v", err), "check that the database server runs and ZAPFLOW_DATABASE_URL is right")
	}
	st, err := store.Status(ctx, env.DB)
	if err != nil {
		return fail(what, fmt.Sprintf("cannot read the schema version: %v", err), "run 'zapflow migrate'")
	}
	kind := "SQLite at " + env.Config.SQLitePath()
	if env.DB.Dialect() == store.Postgres {
		kind = "PostgreSQL"
	}
	switch {
	case st.Current > st.Latest:
		return fail(what, fmt.Sprintf("%s is at schema version %d, newer than this zapflow knows (%d)", kind, st.Current, st.Latest),
			"run the zapflow version that migrated it, or a newer one")
	case st.Current < st.Latest:
		return fail(what, fmt.Sprintf("%s is at schema version %d, this zapflow needs %d", kind, st.Current, st.Latest),
			"run 'zapflow migrate' (or start the server with ZAPFLOW_AUTO_MIGRATE=true)")
	case st.RiverPending:
		return fail(what, kind+": the job queue's tables are not migrated", "run 'zapflow migrate'")
	}
	return pass(what, fmt.Sprintf("%s reachable, schema at version %d (latest)", kind, st.Current))
}
