package store

import (
	"context"
	"strings"
)

// A transaction's memo keeps rows that every event of a batch reads again
// (the sender an event came through, the template a flow sends), so a lane
// applying 256 events reads each once instead of once per event. It lives
// and dies with the transaction, so what it returns is what the
// transaction would read itself: it is forgotten whenever the transaction
// writes the table it came from (or deletes anything, which may cascade,
// or rolls back to a savepoint).
type txMemo struct {
	m          map[memoKey]any
	vals       map[string]any // TxValue's, for the transaction's whole life
	savepoints int            // open savepoints (InSavepoint)
}

type memoKey struct{ table, key string }

// observe forgets what a statement may have changed: an UPDATE or INSERT
// the rows of its table, anything else that is not a plain read all of it.
func (m *txMemo) observe(query string) {
	if m == nil {
		return
	}
	fields, n := leadingWords(query)
	if n > 0 {
		switch strings.ToUpper(fields[0]) {
		case "SAVEPOINT":
			m.savepoints++
		case "RELEASE":
			m.savepoints = max(m.savepoints-1, 0)
		}
	}
	if len(m.m) == 0 {
		return
	}
	if n < 2 {
		clear(m.m)
		return
	}
	verb := strings.ToUpper(fields[0])
	var table string
	switch {
	case verb == "SELECT":
		return
	case verb == "UPDATE":
		table = fields[1]
	case verb == "INSERT" && n > 2 && strings.EqualFold(fields[1], "INTO"):
		table = fields[2]
	default: // DELETE (it may cascade), WITH, ROLLBACK TO SAVEPOINT…
		clear(m.m)
		return
	}
	table = strings.ToLower(strings.TrimSuffix(table, "("))
	for k := range m.m {
		if k.table == table {
			delete(m.m, k)
		}
	}
}

// leadingWords returns the first three whitespace-separated words of
// query and how many there are (at most 3). Every statement of every
// transaction passes through observe, so it reads only as far as it needs
// instead of splitting a long INSERT into all its words.
func leadingWords(query string) (words [3]string, n int) {
	for n < len(words) {
		query = strings.TrimLeft(query, " \t\r\n")
		if query == "" {
			break
		}
		end := strings.IndexAny(query, " \t\r\n")
		if end < 0 {
			end = len(query)
		}
		words[n], query = query[:end], query[end:]
		n++
	}
	return words, n
}

// memoOf returns q's memo when q is a transaction, or wraps one (a
// test's recording Tx: what it records is then what the code does).
func memoOf(q Querier) *txMemo {
	switch t := q.(type) {
	case sqlTx:
		return t.memo
	case pgTx:
		return t.memo
	case interface{ Unwrap() Tx }:
		return memoOf(t.Unwrap())
	}
	return nil
}

// Memo returns what load reads from table for key, read at most once per
// transaction when q is one (and on every call otherwise). load must read
// table only, and T must not be changed by callers (it is shared by every
// later call in the transaction). Errors are not kept.
func Memo[T any](ctx context.Context, q Querier, table, key string, load func() (T, error)) (T, error) {
	m := memoOf(q)
	if m == nil {
		return load()
	}
	k := memoKey{table, key}
	if v, ok := m.m[k]; ok {
		return v.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	if m.m == nil {
		m.m = make(map[memoKey]any)
	}
	m.m[k] = v
	return v, nil
}

func (t sqlTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	t.memo.observe(query)
	return t.sqlQuerier.Exec(ctx, query, args...)
}

func (t sqlTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	t.memo.observe(query)
	return t.sqlQuerier.Query(ctx, query, args...)
}

func (t sqlTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	t.memo.observe(query)
	return t.sqlQuerier.QueryRow(ctx, query, args...)
}

func (t pgTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	t.memo.observe(query)
	return t.pgQuerier.Exec(ctx, query, args...)
}

func (t pgTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	t.memo.observe(query)
	return t.pgQuerier.Query(ctx, query, args...)
}

func (t pgTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	t.memo.observe(query)
	return t.pgQuerier.QueryRow(ctx, query, args...)
}

// InSavepoint reports whether tx has a savepoint open: what it writes now
// may still be rolled back on its own (see TxValue).
func InSavepoint(tx Tx) bool {
	m := memoOf(tx)
	return m != nil && m.savepoints > 0
}

// TxValue returns the transaction's value for key, made by mk on first
// use: state that lives as long as the transaction, such as rows buffered
// for one multi-row INSERT before the commit (BeforeCommit). Such rows
// must not be written from inside a savepoint (InSavepoint), which could
// roll back without them. Without a transaction memo (a Tx of another
// kind) it returns nil.
func TxValue[T any](tx Tx, key string, mk func() *T) *T {
	m := memoOf(tx)
	if m == nil {
		return nil
	}
	if v, ok := m.vals[key]; ok {
		return v.(*T)
	}
	if m.vals == nil {
		m.vals = map[string]any{}
	}
	v := mk()
	m.vals[key] = v
	return v
}
