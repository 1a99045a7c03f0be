package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// The cache keeps the compiled current version of every enabled flow,
// grouped by trigger, so the inbound path (F8, F9) matches flows without
// querying the flows table per message. It is invalidated at once in this
// process when a flow changes, and every other process (several
// `zapflow serve` on one PostgreSQL) sees the change through
// flow_meta.cache_version, read at most once per cacheTTL, inside the
// transaction at hand: a flow enabled elsewhere starts firing here within
// a second.
const cacheTTL = time.Second

// snapshot is one consistent view of the enabled flows.
type snapshot struct {
	version   int64
	byTrigger map[string][]*Compiled // trigger type, or "event:<name>"
	// replyWaits: some stored flow version has wait_for_reply, so inbound
	// messages must look for runs waiting for them.
	replyWaits bool
}

type cache struct {
	mu       sync.Mutex
	snap     *snapshot
	checked  time.Time
	opt      Options
	versions map[[2]int64]*Compiled // every (flow, version) compiled so far
}

func newCache(opt Options) *cache {
	return &cache{opt: opt, versions: map[[2]int64]*Compiled{}}
}

// invalidate makes the next get reload (after a change in this process).
func (c *cache) invalidate() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.snap = nil
	c.mu.Unlock()
}

// get returns the current snapshot, reloading through q when the TTL has
// passed and the cache version moved.
func (c *cache) get(ctx context.Context, q store.Querier, now time.Time) (*snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != nil && now.Sub(c.checked) < cacheTTL && !now.Before(c.checked) {
		return c.snap, nil
	}
	var version int64
	if err := q.QueryRow(ctx, `SELECT cache_version FROM flow_meta WHERE id = 1`).Scan(&version); err != nil {
		return nil, err
	}
	c.checked = now
	if c.snap != nil && c.snap.version == version {
		return c.snap, nil
	}
	snap, err := c.load(ctx, q, version)
	if err != nil {
		return nil, err
	}
	c.snap = snap
	return snap, nil
}

func (c *cache) load(ctx context.Context, q store.Querier, version int64) (*snapshot, error) {
	snap := &snapshot{version: version, byTrigger: map[string][]*Compiled{}}
	rows, err := q.Query(ctx, `SELECT f.id, f.version, v.definition FROM flows f
		JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version WHERE f.enabled = ? AND f.archived_at = 0 ORDER BY f.id`, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ver int
		var def string
		if err := rows.Scan(&id, &ver, &def); err != nil {
			return nil, err
		}
		comp, err := c.compileLocked(id, ver, def)
		if err != nil {
			return nil, err
		}
		key := comp.Flow.Trigger.Type
		if key == TriggerEvent {
			key = "event:" + comp.Flow.Trigger.Event
		}
		snap.byTrigger[key] = append(snap.byTrigger[key], comp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM flow_versions WHERE definition LIKE ?`, `%"type":"wait_for_reply"%`).Scan(&n); err != nil {
		return nil, err
	}
	snap.replyWaits = n > 0
	return snap, nil
}

// compiled returns a stored version compiled, loading it through q once.
func (c *cache) compiled(ctx context.Context, q store.Querier, flowID int64, version int) (*Compiled, error) {
	c.mu.Lock()
	comp := c.versions[[2]int64{flowID, int64(version)}]
	c.mu.Unlock()
	if comp != nil {
		return comp, nil
	}
	var def string
	if err := q.QueryRow(ctx, `SELECT definition FROM flow_versions WHERE flow_id = ? AND version = ?`, flowID, version).Scan(&def); err != nil {
		return nil, fmt.Errorf("flow %d version %d: %w", flowID, version, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.compileLocked(flowID, version, def)
}

// maxCompiled bounds the compiled versions kept; past it the map starts
// over (versions are reloaded on demand).
const maxCompiled = 2000

func (c *cache) compileLocked(flowID int64, version int, def string) (*Compiled, error) {
	key := [2]int64{flowID, int64(version)}
	if comp := c.versions[key]; comp != nil {
		return comp, nil
	}
	var fl Flow
	if err := json.Unmarshal([]byte(def), &fl); err != nil {
		return nil, fmt.Errorf("flow %d version %d: stored definition: %w", flowID, version, err)
	}
	// A stored version was valid when saved; it is compiled with every
	// step type allowed so a run in flight keeps going even if an
	// optional feature was switched off since.
	comp, err := Compile(fl, Options{AI: true})
	if err != nil {
		return nil, fmt.Errorf("flow %d version %d: %w", flowID, version, err)
	}
	comp.FlowID, comp.Version = flowID, version
	if len(c.versions) >= maxCompiled {
		c.versions = map[[2]int64]*Compiled{}
	}
	c.versions[key] = comp
	return comp, nil
}
