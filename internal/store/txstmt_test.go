package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// openWithTableN opens a SQLite database with one table, n (v INTEGER),
// closed when the test ends.
func openWithTableN(t *testing.T) DB {
	t.Helper()
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "z.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE n (v INTEGER)`)
		return err
	}))
	return db
}

// keptOnWriter lists the statements the writer's connection keeps.
func keptOnWriter(t *testing.T, db DB) map[string]bool {
	t.Helper()
	ctx := context.Background()
	conn, err := db.(*sqliteDB).Writer().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	kept := map[string]bool{}
	require.NoError(t, conn.Raw(func(dc any) error {
		for text := range dc.(*stmtConn).stmts {
			kept[text] = true
		}
		return nil
	}))
	return kept
}

// A write transaction's queries run on the statements its connection
// keeps, prepared once for every later transaction. A run of a query
// while rows of an earlier run of it are still open is whole and right,
// and leaves the open rows undisturbed (the kept statement has one
// cursor: the second run goes unprepared).
func TestTransactionsRunOnKeptStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openWithTableN(t)
	const insert, all = `INSERT INTO n (v) VALUES (?)`, `SELECT v FROM n ORDER BY v`
	before := len(keptOnWriter(t, db))
	for range 2 {
		require.NoError(t, db.InTx(ctx, func(tx Tx) error {
			for v := 1; v <= 3; v++ {
				if _, err := tx.Exec(ctx, insert, v); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	kept := keptOnWriter(t, db)
	require.True(t, kept[insert], "the insert is kept")
	require.False(t, kept[`CREATE TABLE n (v INTEGER)`], "a CREATE runs once and is not kept")
	require.Len(t, kept, before+1, "one statement for six inserts in two transactions")

	var first, rest []int
	var inner []int64
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		outer, err := tx.Query(ctx, all)
		if err != nil {
			return err
		}
		defer outer.Close()
		for len(first) < 2 && outer.Next() {
			var v int
			if err := outer.Scan(&v); err != nil {
				return err
			}
			first = append(first, v)
		}
		if inner, err = QueryIDs(ctx, tx, all); err != nil {
			return err
		}
		for outer.Next() {
			var v int
			if err := outer.Scan(&v); err != nil {
				return err
			}
			rest = append(rest, v)
		}
		return outer.Err()
	}))
	require.Equal(t, []int64{1, 1, 2, 2, 3, 3}, inner)
	require.Equal(t, []int{1, 1}, first)
	require.Equal(t, []int{2, 2, 3, 3}, rest, "the open rows were not disturbed")
	require.True(t, keptOnWriter(t, db)[all], "the query is kept")
}

// A write transaction whose context ends midway is not cut short: its
// statements go on, and it commits or rolls back whole, as its function
// says. (Were it rolled back when the context ended, the statements after
// that would each commit on their own.)
func TestTransactionOutlivesItsContext(t *testing.T) {
	t.Parallel()
	db := openWithTableN(t)
	abort := errors.New("abort")
	for _, end := range []error{nil, abort} {
		ctx, cancel := context.WithCancel(context.Background())
		err := db.InTx(ctx, func(tx Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO n (v) VALUES (1)`); err != nil {
				return err
			}
			cancel()
			time.Sleep(20 * time.Millisecond) // room for anything watching ctx to act
			if _, err := tx.Exec(ctx, `INSERT INTO n (v) VALUES (2)`); err != nil {
				return err
			}
			return end
		})
		require.ErrorIs(t, err, end)
	}
	vs, err := QueryIDs(context.Background(), db.Read(), `SELECT v FROM n ORDER BY v`)
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2}, vs, "the first transaction whole, none of the second")
}

// BenchmarkTxStatement runs one prepared statement per op, 1,000 to a
// transaction, on SQLite's writer: the cost of a statement in a
// transaction apart from the work it does in SQLite.
func BenchmarkTxStatement(b *testing.B) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(b.TempDir(), "z.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const q = `SELECT v FROM n WHERE v = ?`
	if err := db.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE n (v INTEGER PRIMARY KEY)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO n (v) VALUES (1)`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	run := func(n int) {
		if err := db.InTx(ctx, func(tx Tx) error {
			for range n {
				var v int
				if err := tx.QueryRow(ctx, q, 1).Scan(&v); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	run(1) // prepares the query on the writer's connection
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += 1000 {
		run(min(1000, b.N-done))
	}
}

// A panic inside a write transaction rolls it back and reaches the
// caller; the writer is free for the next transaction.
func TestTransactionPanicRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openWithTableN(t)
	recovered := make(chan any, 1)
	go func() {
		defer func() { recovered <- recover() }()
		_ = db.InTx(ctx, func(tx Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO n (v) VALUES (1)`); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	select {
	case p := <-recovered:
		require.Equal(t, "boom", p)
	case <-time.After(10 * time.Second): // a hang guard, not a measurement
		t.Fatal("the panicking transaction never returned")
	}
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO n (v) VALUES (2)`)
		return err
	}))
	vs, err := QueryIDs(ctx, db.Read(), `SELECT v FROM n ORDER BY v`)
	require.NoError(t, err)
	require.Equal(t, []int64{2}, vs, "the panicking transaction's row rolled back")
}
