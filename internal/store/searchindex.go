package store

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// searchTables are SQLite's trigram indexes for the inbox and contact
// search and the table each one covers (migration 00038).
var searchTables = []struct{ name, index, cols string }{
	{"messages", "message_search", "summary"},
	{"contacts", "contact_search", "name, profile_name, phone"},
}

// searchBatch is the most rows of one table a pass indexes in one
// transaction, so a backlog holds the single writer in slices, and
// whatever queued for it meanwhile goes between two. A busy install has
// one: at 1,500 flows/s, 3,000 messages and 1,500 contacts arrive between
// two passes. Measured in bench-flows: with 10,000 a pass held the writer
// up to 87–104 ms, with 1,000 up to 48–53 ms, for the same total time.
// Fewer rows did not shorten the longest holds (FTS5's merges of its
// segments dominate those) and cost more in total.
const searchBatch = 1000

// IndexSearch adds the rows not yet in SQLite's search indexes to them,
// up to searchBatch per table, and returns how many it added. Rows are
// indexed here, many per statement, rather than by a trigger per insert:
// FTS5 writes its pending rows out as a new segment at each statement of
// a transaction, so per-row indexing made a segment (and merge work) per
// message on the writer everyone waits for. Until a row is indexed, the
// searches read it directly (they look above search_progress). On
// PostgreSQL there is no such index and this does nothing.
func IndexSearch(ctx context.Context, db DB) (int, error) {
	if db.Dialect() != SQLite {
		return 0, nil
	}
	var pending bool
	if err := db.Read().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE id > (SELECT indexed_to FROM search_progress WHERE name = 'messages'))
		OR EXISTS (SELECT 1 FROM contacts WHERE id > (SELECT indexed_to FROM search_progress WHERE name = 'contacts'))`).Scan(&pending); err != nil || !pending {
		return 0, err
	}
	var added int
	// Relaxed: a crash loses the index's rows and its progress mark
	// together, and the next pass indexes the rows again.
	err := db.InTx(ForWork(Relaxed(ctx), WorkSearch), func(tx Tx) error {
		added = 0
		for _, t := range searchTables {
			var from, to int64
			if err := tx.QueryRow(ctx, `SELECT indexed_to FROM search_progress WHERE name = ?`, t.name).Scan(&from); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), ?) FROM (SELECT id FROM `+t.name+` WHERE id > ? ORDER BY id LIMIT ?)`,
				from, from, searchBatch).Scan(&to); err != nil {
				return err
			}
			if to == from {
				continue
			}
			n, err := tx.Exec(ctx, `INSERT INTO `+t.index+` (rowid, `+t.cols+`) SELECT id, `+t.cols+` FROM `+t.name+` WHERE id > ? AND id <= ?`, from, to)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE search_progress SET indexed_to = ? WHERE name = ?`, to, t.name); err != nil {
				return err
			}
			added += int(n)
		}
		return nil
	})
	return added, err
}

// IndexSearchAll runs IndexSearch until nothing is left to index: for
// rows written in bulk (a benchmark's seed, a test's fixtures) that the
// background indexer would otherwise reach over the following seconds.
func IndexSearchAll(ctx context.Context, db DB) error {
	for {
		n, err := IndexSearch(ctx, db)
		if err != nil || n == 0 {
			return err
		}
	}
}

// SearchIndexer runs IndexSearch about once a second in the background,
// and at once again while a pass finds a full batch.
type SearchIndexer struct {
	db    DB
	log   *slog.Logger
	every time.Duration
	stop  chan struct{}
	wg    sync.WaitGroup
}

// NewSearchIndexer indexes db's new rows every interval once started.
func NewSearchIndexer(db DB, log *slog.Logger, every time.Duration) *SearchIndexer {
	return &SearchIndexer{db: db, log: log, every: every, stop: make(chan struct{})}
}

// Start runs the indexer until Stop (SQLite only).
func (s *SearchIndexer) Start(ctx context.Context) {
	if s.db.Dialect() != SQLite {
		return
	}
	s.wg.Go(func() {
		t := time.NewTicker(s.every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
			for {
				n, err := IndexSearch(ctx, s.db)
				if err != nil {
					s.log.Warn("search index: adding new rows", "err", err)
				}
				if err != nil || n < searchBatch {
					break
				}
			}
		}
	})
}

// Stop ends the loop after the pass under way, if any.
func (s *SearchIndexer) Stop() {
	close(s.stop)
	s.wg.Wait()
}
