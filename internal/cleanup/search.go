package cleanup

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// defaultAutomerge is FTS5's own default.
const defaultAutomerge = 4

// pauseSearchMerge turns off the incremental merging of the inbox search
// index (SQLite's message_search, FTS5) for the run and returns what
// restores it. Every deleted message writes delete entries into that
// index, and merging them after each small batch was about a third of a
// run's work; while paused, FTS5's crisis merge still bounds the number
// of segments, and the merges it does are larger, so cheaper per entry.
// A run that dies before restoring leaves it paused until the next run
// ends (the search stays correct, a little slower). PostgreSQL has no
// such index: nothing to do.
func (s *Service) pauseSearchMerge(ctx context.Context) func() {
	if s.db.Dialect() != store.SQLite {
		return func() {}
	}
	prev := defaultAutomerge
	var v string
	err := s.db.Read().QueryRow(ctx, `SELECT CAST(v AS TEXT) FROM message_search_config WHERE k = 'automerge'`).Scan(&v)
	if err == nil {
		if n, perr := strconv.Atoi(v); perr == nil && n > 0 {
			prev = n
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("cleanup: reading the search index's merge setting", "err", err)
		return func() {}
	}
	if err := s.setAutomerge(ctx, 0); err != nil {
		s.log.Warn("cleanup: pausing the search index's merging", "err", err)
		return func() {}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.setAutomerge(ctx, prev); err != nil {
			s.log.Error("cleanup: restoring the search index's merging", "err", err)
		}
	}
}

func (s *Service) setAutomerge(ctx context.Context, n int) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO message_search (message_search, rank) VALUES ('automerge', ?)`, n)
		return err
	})
}
