package flow

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Record is a stored flow: its current version's definition and its
// bookkeeping.
type Record struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Enabled   bool      `json:"enabled"`
	Version   int       `json:"version"`
	Trigger   Trigger   `json:"trigger"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// ArchivedAt is when the flow was deleted: it is kept, disabled, for
	// its runs' history.
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
	// Definition is the whole flow (its Enabled mirrors the record's).
	Definition Flow `json:"definition"`
	// Warnings are a save's warnings (templates that cannot be sent yet).
	Warnings []SaveWarning `json:"warnings,omitempty"`
}

// storedDefinition is a definition as flow_versions keeps it: enabling is
// not an edit, so the stored copy never carries the flag.
func storedDefinition(fl Flow) ([]byte, error) {
	fl.Enabled = false
	return json.Marshal(fl)
}

func triggerEvent(fl Flow) string {
	if fl.Trigger.Type == TriggerEvent {
		return fl.Trigger.Event
	}
	return ""
}

func insertFlow(ctx context.Context, tx store.Tx, fl Flow, now int64) (int64, error) {
	def, err := storedDefinition(fl)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO flows (name, enabled, version, trigger_type, trigger_event, created_at, updated_at)
		VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (name) WHERE archived_at = 0 DO NOTHING RETURNING id`,
		fl.Name, fl.Enabled, fl.Trigger.Type, triggerEvent(fl), now, now).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return 0, &apperr.Error{Kind: apperr.KindConflict, Code: "flow_exists", Field: "name", Message: "a flow named " + strconvQuote(fl.Name) + " already exists: pick another name, update that flow, or import the file with ?replace=true to store it as that flow's next version"}
	}
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO flow_versions (flow_id, version, definition, created_at) VALUES (?, 1, ?, ?)`, id, string(def), now)
	return id, err
}

// updateFlow stores fl as the flow's next version.
func updateFlow(ctx context.Context, tx store.Tx, id int64, fl Flow, now int64) (int, error) {
	def, err := storedDefinition(fl)
	if err != nil {
		return 0, err
	}
	var version int
	err = tx.QueryRow(ctx, `UPDATE flows SET name = ?, enabled = ?, version = version + 1, trigger_type = ?, trigger_event = ?, updated_at = ?
		WHERE id = ? AND archived_at = 0 RETURNING version`, fl.Name, fl.Enabled, fl.Trigger.Type, triggerEvent(fl), now, id).Scan(&version)
	if errors.Is(err, store.ErrNotFound) {
		return 0, notLive(ctx, tx, id)
	}
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return 0, &apperr.Error{Kind: apperr.KindConflict, Code: "flow_exists", Field: "name", Message: "a flow named " + strconvQuote(fl.Name) + " already exists"}
		}
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO flow_versions (flow_id, version, definition, created_at) VALUES (?, ?, ?, ?)`, id, version, string(def), now)
	return version, err
}

const flowColumns = `f.id, f.name, f.enabled, f.version, f.created_at, f.updated_at, f.archived_at, v.definition
	FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version`

func scanFlow(row interface{ Scan(...any) error }) (Record, error) {
	var r Record
	var created, updated, archived int64
	var def string
	if err := row.Scan(&r.ID, &r.Name, &r.Enabled, &r.Version, &created, &updated, &archived, &def); err != nil {
		return r, err
	}
	if archived != 0 {
		at := store.Time(archived)
		r.ArchivedAt = &at
	}
	if err := json.Unmarshal([]byte(def), &r.Definition); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = store.Time(created), store.Time(updated)
	r.Definition.Enabled = r.Enabled
	r.Trigger = r.Definition.Trigger
	return r, nil
}

func getFlow(ctx context.Context, q store.Querier, id int64) (Record, error) {
	r, err := scanFlow(q.QueryRow(ctx, `SELECT `+flowColumns+` WHERE f.id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return r, apperr.NotFound("flow")
	}
	return r, err
}

func listFlows(ctx context.Context, q store.Querier, archived bool) ([]Record, error) {
	rows, err := q.Query(ctx, `SELECT `+flowColumns+` WHERE (? OR f.archived_at = 0) ORDER BY f.id`, archived)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		r, err := scanFlow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// bumpCache tells every process (this one included) to reload its cache
// of enabled flows; it commits with the change that needs it.
func bumpCache(ctx context.Context, tx store.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE flow_meta SET cache_version = cache_version + 1 WHERE id = 1`)
	return err
}

// runRow is what the host reads of a run to advance it.
type runRow struct {
	id, flowID       int64
	flowVersion, ver int
	state            State
}

// lockRun reads a run for changing it, so two inputs to one run are
// applied one after the other: PostgreSQL takes the row lock (FOR UPDATE);
// SQLite needs none, its one writer runs a write transaction at a time.
// (A no-op UPDATE would lock on both, but on PostgreSQL it writes a new
// row version, index entries and WAL for every input.) A row lockRuns
// read and locked earlier in the transaction is taken instead of read
// again. The state comes from states when this process wrote the row's
// version and text (see runStates), else it is decoded.
func lockRun(ctx context.Context, tx store.Tx, d store.Dialect, states *runStates, id int64) (runRow, error) {
	r := runRow{id: id}
	var state string
	if row, ok := readAheadOf(tx).take(id); ok {
		r.flowID, r.flowVersion, r.ver, state = row.flowID, row.flowVersion, row.ver, row.state
	} else {
		q := `SELECT flow_id, flow_version, version, state FROM flow_runs WHERE id = ?`
		if d == store.Postgres {
			q += ` FOR UPDATE`
		}
		if err := tx.QueryRow(ctx, q, id).Scan(&r.flowID, &r.flowVersion, &r.ver, &state); err != nil {
			return r, err
		}
	}
	if st, ok := states.take(id, r.ver, state); ok {
		r.state = st
		return r, nil
	}
	return r, json.Unmarshal([]byte(state), &r.state)
}

// newRunID takes the id of a run about to start, before its row exists
// (see start). On SQLite it is the one SQLite would give the row itself
// (an INTEGER PRIMARY KEY without AUTOINCREMENT takes the largest id + 1),
// read in the write transaction, which holds the database's one write lock
// from its BEGIN IMMEDIATE: nothing can take the id before the row is
// inserted, and should the transaction itself insert a run in between, the
// INSERT fails on the primary key instead of mixing up two runs.
// PostgreSQL draws it from the column's sequence through ids (runids.go).
//
// A SQLite transaction reads the largest id once: its later runs count on
// from there (the intake's commits start a run for most of their
// messages, and that read was a statement each on the one writer). Runs
// are inserted only with ids from here, so within the transaction the
// next id is free. A run whose insert was undone (a savepoint rolled back
// for a failed event) leaves a gap, never a reused id.
func newRunID(ctx context.Context, tx store.Tx, d store.Dialect, ids *runIDs) (int64, error) {
	if d == store.Postgres {
		return ids.take(ctx, tx)
	}
	next := store.TxValue(tx, "flow.next_run_id", func() *int64 { return new(int64) })
	if next != nil && *next > 0 {
		id := *next
		*next++
		return id, nil
	}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM flow_runs`).Scan(&id); err != nil {
		return 0, err
	}
	if next != nil {
		*next = id + 1
	}
	return id, nil
}

// insertRun adds run st.RunID (from newRunID) with its state after its
// first commit; messageConv is the conversation whose message started it
// (0 for event and test runs). Its version is 1, the state's first write.
// It returns the state's JSON as written.
func insertRun(ctx context.Context, tx store.Tx, c *Compiled, st State, test bool, messageConv int64, now int64) (string, error) {
	r, err := runColsOf(c, st)
	if err != nil {
		return "", err
	}
	_, err = tx.Exec(ctx, `INSERT INTO flow_runs (id, flow_id, flow_version, status, version, test, wait_kind, wait_until, reply_conversation_id,
		message_conversation_id, error_code, state, started_at, updated_at, ended_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st.RunID, c.FlowID, c.Version, st.Status, test, r.waitKind, r.waitUntil, r.replyConv,
		messageConv, r.errorCode, r.state, store.Millis(st.StartedAt), now, store.Millis(st.EndedAt))
	return r.state, err
}

// saveRun writes a run's new state and the columns queries use, and
// returns the state's JSON as written.
func saveRun(ctx context.Context, tx store.Tx, c *Compiled, st State, now int64) (string, error) {
	r, err := runColsOf(c, st)
	if err != nil {
		return "", err
	}
	_, err = tx.Exec(ctx, `UPDATE flow_runs SET status = ?, version = version + 1, wait_kind = ?, wait_until = ?, reply_conversation_id = ?,
		error_code = ?, state = ?, updated_at = ?, ended_at = ? WHERE id = ?`,
		st.Status, r.waitKind, r.waitUntil, r.replyConv, r.errorCode, r.state, now, store.Millis(st.EndedAt), st.RunID)
	return r.state, err
}

// runCols are the columns a run's state gives: what queries select
// runs by, and the state itself.
type runCols struct {
	waitKind, errorCode, state string
	waitUntil                  int64
	// replyConv is the conversation whose messages reach the run: while
	// it waits for a reply, and while it waits for the outcome of a send
	// that the customer may answer before the outcome is in.
	replyConv int64
}

func runColsOf(c *Compiled, st State) (runCols, error) {
	state, err := encodeState(st) // json.Marshal(st), faster (statejson.go)
	if err != nil {
		return runCols{}, err
	}
	r := runCols{state: string(state)}
	if w := st.Wait; w != nil {
		r.waitKind, r.waitUntil = w.Kind, store.Millis(w.Until)
		if w.Kind == WaitReply || (w.Kind == WaitSend && c.asks[w.Step]) {
			r.replyConv = st.ConversationID
		}
	}
	if st.Error != nil {
		r.errorCode = st.Error.Code
	}
	return r, nil
}

// readAhead holds the runs lockRuns read (and, on PostgreSQL, locked)
// ahead for a transaction, until lockRun takes each: every write of a
// run in a transaction comes after lockRun has taken it (apply), so an
// entry not yet taken is the row as it stands.
type readAhead struct {
	rows map[int64]aheadRow
}

type aheadRow struct {
	flowID           int64
	flowVersion, ver int
	state            string
}

const readAheadKey = "flow.read_ahead"

// readAheadOf returns tx's rows read ahead; nil for a Tx without a memo.
func readAheadOf(tx store.Tx) *readAhead {
	return store.TxValue(tx, readAheadKey, func() *readAhead { return &readAhead{rows: map[int64]aheadRow{}} })
}

// take returns run id's row and forgets it: the apply that takes it
// changes the row.
func (a *readAhead) take(id int64) (aheadRow, bool) {
	if a == nil {
		return aheadRow{}, false
	}
	row, ok := a.rows[id]
	delete(a.rows, id)
	return row, ok
}

// lockRuns does lockRun's read for many runs at once and keeps the rows
// for lockRun. It locks them in id order, one statement per chunk, where
// lockRun locked them in the order their inputs came: transactions that
// lock runs with lockRuns then take those locks in one order. Not inside
// a savepoint: rolling it back would release the locks (PostgreSQL) and
// leave the rows behind.
func lockRuns(ctx context.Context, tx store.Tx, d store.Dialect, ids []int64) error {
	ahead := readAheadOf(tx)
	if ahead == nil || store.InSavepoint(tx) {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	lock := ""
	if d == store.Postgres {
		lock = ` FOR UPDATE`
	}
	for _, n := range store.Chunks(len(ids)) {
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := tx.Query(ctx, `SELECT id, flow_id, flow_version, version, state FROM flow_runs WHERE id IN (`+store.List(n)+`) ORDER BY id`+lock, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var r aheadRow
			if err := rows.Scan(&id, &r.flowID, &r.flowVersion, &r.ver, &r.state); err != nil {
				rows.Close()
				return err
			}
			ahead.rows[id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
