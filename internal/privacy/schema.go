package privacy

import (
	"context"
	"strings"

	"github.com/zapflow/zapflow/internal/store"
)

// SchemaTables lists the base tables of the database's schema (on
// PostgreSQL, the current schema), whatever created them: ours, River's,
// goose's, SQLite's full-text indexes.
func SchemaTables(ctx context.Context, q store.Querier, d store.Dialect) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	if d == store.Postgres {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	return strings1(ctx, q, query)
}

// SchemaColumns lists a table's columns in their order.
func SchemaColumns(ctx context.Context, q store.Querier, d store.Dialect, table string) ([]string, error) {
	query := `SELECT name FROM pragma_table_info(?) ORDER BY cid`
	if d == store.Postgres {
		query = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	}
	return strings1(ctx, q, query, table)
}

func strings1(ctx context.Context, q store.Querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ident quotes an identifier read from the schema or from Tables.
func ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
