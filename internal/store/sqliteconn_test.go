package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Queries run on the writer pool without a prepared statement of their
// own (as River runs all of its) are prepared once per text and kept;
// statements that are no query (a CREATE) are not. The same text run
// again while rows of its last run are still open runs unprepared: both
// reads are whole and right. A text that does not compile is not kept and
// fails where it is run.
func TestWriterConnectionKeepsStatementsPrepared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "z.db"))
	require.NoError(t, err)
	defer db.Close()
	conn, err := db.(*sqliteDB).Writer().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	kept := func() (n int) {
		require.NoError(t, conn.Raw(func(dc any) error {
			n = len(dc.(*stmtConn).stmts)
			return nil
		}))
		return n
	}
	_, err = conn.ExecContext(ctx, `CREATE TABLE n (v INTEGER)`)
	require.NoError(t, err)
	for v := 1; v <= 3; v++ {
		_, err = conn.ExecContext(ctx, `INSERT INTO n (v) VALUES (?)`, v)
		require.NoError(t, err)
	}
	require.Equal(t, 1, kept(), "the one INSERT text, prepared once; not the CREATE")

	read := func(rows *sql.Rows, n int) []int {
		var out []int
		for len(out) < n && rows.Next() {
			var v int
			require.NoError(t, rows.Scan(&v))
			out = append(out, v)
		}
		return out
	}
	const all = `SELECT v FROM n ORDER BY v`
	outer, err := conn.QueryContext(ctx, all)
	require.NoError(t, err)
	require.Equal(t, []int{1}, read(outer, 1))
	inner, err := conn.QueryContext(ctx, all) // rows of the kept statement still open
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3}, read(inner, 10))
	require.NoError(t, inner.Close())
	require.Equal(t, []int{2, 3}, read(outer, 10), "the open rows were not disturbed")
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	again, err := conn.QueryContext(ctx, all)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3}, read(again, 10), "once closed, the kept statement serves again")
	require.NoError(t, again.Close())
	require.Equal(t, 2, kept())

	_, err = conn.QueryContext(ctx, `SELECT nope FROM n`)
	require.ErrorContains(t, err, "nope")
	require.Equal(t, 2, kept(), "a text that does not compile is not kept")
}

// Queries are kept prepared, whatever comments name them first; the
// statements a migration runs once are not.
func TestIsQuery(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		`SELECT 1`:                             true,
		"  insert into n (v) values (1)":       true,
		"UPDATE n SET v = 2":                   true,
		"DELETE FROM n":                        true,
		"WITH x AS (SELECT 1) SELECT * FROM x": true,
		"-- name: JobGetAvailable :many\nWITH a AS (SELECT 1) SELECT * FROM a": true,
		"-- name: X :one\n-- more\nSELECT(1)":                                  true,
		"CREATE TABLE n (v INTEGER)":                                           false,
		"ALTER TABLE n ADD COLUMN w INTEGER":                                   false,
		"DROP INDEX n_v":                                                       false,
		"-- a comment only":                                                    false,
		"SAVEPOINT event":                                                      false,
		"":                                                                     false,
	} {
		require.Equal(t, want, isQuery(text), text)
	}
}
