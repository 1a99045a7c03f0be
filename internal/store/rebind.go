package store

import (
	"strconv"
	"strings"
)

// rebind turns "?" placeholders into PostgreSQL's "$1, $2…". It is a linear
// scan, cheap next to a database round trip, so results are not cached
// (batch inserts build queries of many shapes). Our SQL never puts a "?"
// inside a string literal; that is a rule of the portable subset.
func rebind(query string) string {
	if strings.IndexByte(query, '?') < 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Placeholders returns "(?, ?, …)" groups for a multi-row VALUES clause:
// rows groups of cols placeholders each, separated by commas.
func Placeholders(rows, cols int) string {
	group := "(" + List(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(group+", ", rows), ", ")
}

// List returns n placeholders separated by commas ("?, ?, ?"), for an
// IN (…) list.
func List(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// chunkSizes are the only batch sizes Chunks produces, so a multi-row
// statement has a handful of shapes that prepared-statement caches (ours
// for SQLite, pgx's for PostgreSQL) can keep.
var chunkSizes = [...]int{256, 64, 16, 4, 1}

// Chunks splits n items into batches of the fixed chunk sizes, largest
// first: Chunks(70) = [64, 4, 1, 1].
func Chunks(n int) []int {
	var out []int
	for _, size := range chunkSizes {
		for n >= size {
			out = append(out, size)
			n -= size
		}
	}
	return out
}
