package flow

import (
	"sync"

	"github.com/zapflow/zapflow/internal/store"
)

// maxRunStates bounds the decoded run states kept (see runStates). An
// entry is worth keeping for the moments between a write and the run's
// next input: a send's outcome, milliseconds to seconds later. Runs that
// wait for hours (a reply, a delay) would only hold memory, so the oldest
// entries go first. A send's outcome comes back within about 100 ms at
// full rate (~1,400 runs/s, about 150 runs in between), so 1,024 entries
// cover it several times over while holding at most 1,024 states (their
// JSON and decoded form, a few KB each) in a process meant to stay under
// 200 MB.
const maxRunStates = 1024

// runStates keeps the decoded state of runs this process just wrote, so
// the next input to a run (the outcome of the send it queued, usually)
// does not decode again the JSON it wrote a moment ago: on SQLite that
// decoding ran while holding the one writer connection.
//
// An entry is put only once the transaction that wrote that state has
// committed (never for one rolled back), and is used only when the row
// read under the run's lock holds that very version and that very JSON
// text: the version keys the entry, and the text comparison makes a hit
// exact even if the row holds something else under that version: another
// instance on PostgreSQL wrote it; a privacy erasure deleted the run and
// SQLite handed its id to the next one, which starts again at version 1;
// the intake rolled the write back to a savepoint (a failed event) and
// the transaction committed, hooks and all, without it.
//
// The cached State is owned by the cache alone: it is a copy made in the
// JSON-decoded form (see decodedCopy), and take hands it out and forgets
// it, because Advance takes ownership of a state's maps and log. A
// transaction that took an entry and then rolled back leaves nothing
// behind: the next input decodes the row.
type runStates struct {
	mu   sync.Mutex
	m    map[runKey]runEntry
	ring []runSlot // insertion order, at most maxRunStates; head at next
	next int
	seq  uint64
	max  int
}

type runKey struct {
	id  int64
	ver int
}

type runEntry struct {
	text string // the JSON written
	st   State  // text decoded
	seq  uint64
}

// runSlot is a place in the insertion order; seq tells whether the entry
// at key is still the one put there (it may have been taken, or put
// again).
type runSlot struct {
	key runKey
	seq uint64
}

func newRunStates(max int) *runStates {
	return &runStates{m: map[runKey]runEntry{}, max: max}
}

// remember puts run id's state st, written as text at version ver in tx,
// once tx commits. A finished run gets no entry: nothing changes it any
// more, so nothing would read it, and neither does a state that cannot
// be copied exactly. The copy is made now, from the state as written,
// not in the hook: st's maps belong to the engine and the caller (an
// output map is both a step record's and steps.<id>; one message's
// contact map goes to every run it starts), so whatever this transaction
// does with them next cannot reach the cache. The copy costs a fraction
// of the decoding it saves (BenchmarkStateCopy).
func (c *runStates) remember(tx store.Tx, id int64, ver int, text string, st State) {
	if Terminal(st.Status) {
		return
	}
	cp, ok := decodedCopy(st)
	if !ok {
		return
	}
	tx.AfterCommit(func() { c.put(runKey{id, ver}, text, cp) })
}

func (c *runStates) put(k runKey, text string, st State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	if len(c.ring) < c.max {
		c.ring = append(c.ring, runSlot{})
	} else if old := c.ring[c.next]; c.m[old.key].seq == old.seq {
		delete(c.m, old.key) // the oldest entry still there
	}
	c.ring[c.next] = runSlot{key: k, seq: c.seq}
	c.next = (c.next + 1) % c.max
	c.m[k] = runEntry{text: text, st: st, seq: c.seq}
}

// take returns and forgets the state of run id at version ver when the
// row's JSON is text; false: decode the row.
func (c *runStates) take(id int64, ver int, text string) (State, bool) {
	k := runKey{id, ver}
	c.mu.Lock()
	e, ok := c.m[k]
	if ok {
		delete(c.m, k)
	}
	c.mu.Unlock()
	if !ok || e.text != text {
		return State{}, false
	}
	return e.st, true
}

// len counts the entries (tests).
func (c *runStates) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
