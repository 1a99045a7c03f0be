// Package settings keeps the app settings people edit at runtime (AI key
// and model, the WhatsApp assistant, stop bot…) as typed JSON values in the
// settings table, one row per section.
//
// Reads go through a small cache because some settings are read on every
// inbound message. A write invalidates this process's entry at once, so a
// change applies to the next message handled here. Other processes sharing
// the database (several `zapflow serve` behind a load balancer) see it when
// their entry expires: entries live TTL (one second by default). A TTL was
// chosen over a version check because checking a version costs the same
// primary-key read as fetching the small value itself; a short TTL bounds
// both the staleness and the read rate.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// DefaultTTL is how long another process's change may go unseen.
const DefaultTTL = time.Second

// Store reads and writes settings sections.
type Store struct {
	db  store.DB
	now func() time.Time
	ttl time.Duration

	mu    sync.Mutex
	cache map[string]entry
	// gen counts invalidations: a read that began before one may have
	// fetched the old value, and must not put it back in the cache after
	// the write dropped it (it would stay there a TTL, and for ever on a
	// clock that stands still).
	gen uint64
}

type entry struct {
	raw     json.RawMessage // nil: no row (the section has its defaults)
	fetched time.Time
}

// New builds a Store; ttl <= 0 means DefaultTTL.
func New(db store.DB, now func() time.Time, ttl time.Duration) *Store {
	if now == nil {
		now = time.Now
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Store{db: db, now: now, ttl: ttl, cache: map[string]entry{}}
}

// Raw returns the stored JSON of key (nil when never saved). q is the
// querier to read through on a cache miss: pass the caller's transaction
// when there is one, so a read never needs a second pool connection while
// the transaction holds one; nil reads from the database's read pool.
func (s *Store) Raw(ctx context.Context, q store.Querier, key string) (json.RawMessage, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.cache[key]
	gen := s.gen
	s.mu.Unlock()
	if ok && now.Sub(e.fetched) < s.ttl && !now.Before(e.fetched) {
		return e.raw, nil
	}
	if q == nil {
		q = s.db.Read()
	}
	var value string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	switch {
	case errors.Is(err, store.ErrNotFound):
		e = entry{fetched: now}
	case err != nil:
		return nil, fmt.Errorf("settings: read %s: %w", key, err)
	default:
		e = entry{raw: json.RawMessage(value), fetched: now}
	}
	s.mu.Lock()
	if s.gen == gen {
		s.cache[key] = e
	}
	s.mu.Unlock()
	return e.raw, nil
}

// PutRaw stores the JSON of key and drops the cached copy, so the next
// read here sees the new value.
func (s *Store) PutRaw(ctx context.Context, key string, value json.RawMessage) error {
	if !json.Valid(value) {
		return fmt.Errorf("settings: %s: value is not JSON", key)
	}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			key, string(value), store.Millis(s.now()))
		return err
	})
	s.Invalidate(key)
	return err
}

// Invalidate forgets the cached copy of key.
func (s *Store) Invalidate(key string) {
	s.mu.Lock()
	delete(s.cache, key)
	s.gen++
	s.mu.Unlock()
}

// Get decodes section key over def, so a section saved before a field
// existed reads that field's default.
func Get[T any](ctx context.Context, s *Store, q store.Querier, key string, def T) (T, error) {
	raw, err := s.Raw(ctx, q, key)
	if err != nil || raw == nil {
		return def, err
	}
	// Decode over a deep copy of def: json.Unmarshal writes into a
	// default slice's backing array, which would change def itself.
	var v T
	base, err := json.Marshal(def)
	if err != nil {
		return def, err
	}
	if err := json.Unmarshal(base, &v); err != nil {
		return def, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return def, fmt.Errorf("settings: decode %s: %w", key, err)
	}
	return v, nil
}

// Put stores section key.
func Put[T any](ctx context.Context, s *Store, key string, v T) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("settings: encode %s: %w", key, err)
	}
	return s.PutRaw(ctx, key, raw)
}
