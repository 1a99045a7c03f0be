// Package testlog keeps what code under test logs, so a test can assert on
// its log lines. Like testclock, it is a regular package only so that tests
// in several packages can share it; production code does not use it.
package testlog

import (
	"context"
	"log/slog"
	"sync"
)

// Records is a slog.Handler that keeps every record at info and above. It
// is safe for concurrent use.
type Records struct {
	mu   sync.Mutex
	recs []slog.Record
}

// Logger returns a logger that writes to r.
func (r *Records) Logger() *slog.Logger { return slog.New(r) }

func (r *Records) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelInfo }

func (r *Records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}

func (r *Records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *Records) WithGroup(string) slog.Handler      { return r }

// Named returns the integer attributes of each record with message msg,
// in the order they were logged.
func (r *Records) Named(msg string) []map[string]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]int64
	for _, rec := range r.recs {
		if rec.Message != msg {
			continue
		}
		attrs := map[string]int64{}
		rec.Attrs(func(a slog.Attr) bool {
			if a.Value.Kind() == slog.KindInt64 {
				attrs[a.Key] = a.Value.Int64()
			}
			return true
		})
		out = append(out, attrs)
	}
	return out
}
