package store

import "context"

// MigrateUpTo applies our migrations up to version (for tests of one
// migration's data changes).
func MigrateUpTo(ctx context.Context, db DB, version int64) error {
	p, closeDB, err := gooseProvider(db)
	if err != nil {
		return err
	}
	defer closeDB()
	_, err = p.UpTo(ctx, version)
	return err
}

// WALFlushes is how many times SQLite db flushed its write-ahead log for
// durable commits (-1 for PostgreSQL).
func WALFlushes(db DB) int64 {
	if d, ok := db.(*sqliteDB); ok {
		return d.wal.flushes.Load()
	}
	return -1
}

// SearchBatch is the most rows of one table an IndexSearch pass indexes.
const SearchBatch = searchBatch
