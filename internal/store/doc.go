// Package store opens zapflow's database (SQLite by default, PostgreSQL at
// scale) and hides the two drivers behind one small query and transaction
// interface, so every domain package writes its SQL once.
//
// The SQL is the portable subset both databases accept: "?" placeholders
// (rebound to $n for PostgreSQL), ON CONFLICT, RETURNING and CTEs. Times are
// stored as unix milliseconds (BIGINT) so both drivers scan them the same way.
// Dialect-specific SQL lives only in the migrations.
//
// SQLite allows one writer at a time, so the SQLite store keeps two pools: a
// single-connection writer pool (also given to River, which needs exactly
// that) and a read-only pool for concurrent reads under WAL.
package store
