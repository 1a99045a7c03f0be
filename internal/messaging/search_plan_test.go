package messaging

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The inbox search finds its texts through trigram indexes on both
// databases (SQLite's FTS5 tables, PostgreSQL's pg_trgm indexes), not by
// reading every message and contact.
func TestSearchUsesTrigramIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		from, args := searchHits(db.Dialect(), "order 42")
		plan := storetest.IndexConditionPlan(t, db, `SELECT c.id`+from, args...)
		want := []string{"message_search", "contact_search"}
		if db.Dialect() == store.Postgres {
			want = []string{"messages_summary_search", "contacts_name_search", "contacts_profile_name_search", "contacts_phone_search"}
		}
		for _, index := range want {
			require.Contains(t, plan, index, "plan:\n%s", plan)
		}
	})
}
