package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Erasure statuses.
const (
	StatusErased        = "erased"
	StatusAlreadyErased = "already_erased"
)

// Actor is who asks for an erasure (kept in the audit line).
type Actor struct {
	UserID   int64
	APIKeyID int64 // 0 for a browser session or the command line
}

// Erasure is the outcome of Erase: the audit line.
type Erasure struct {
	Status    string         `json:"status"`
	ContactID int64          `json:"contact_id"`
	UserID    int64          `json:"user_id"`
	Deleted   map[string]int `json:"deleted"` // rows per table
	ErasedAt  time.Time      `json:"erased_at"`
}

// Erase deletes every row about contact id in one transaction and records
// the anonymous audit line. confirm must be the contact's phone number or
// wa_id (any formatting): an erasure cannot be undone, so the caller
// proves they mean this person. Erasing an erased contact changes nothing
// and answers StatusAlreadyErased with that erasure.
func (svc *Service) Erase(ctx context.Context, id int64, confirm string, by Actor) (Erasure, error) {
	var out Erasure
	err := svc.db.InTx(ctx, func(tx store.Tx) error {
		out = Erasure{}
		// Lock the contact first (PostgreSQL): an inbound message for them
		// now waits for this erasure instead of racing it.
		n, err := tx.Exec(ctx, `UPDATE contacts SET updated_at = updated_at WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			out, err = previousErasure(ctx, tx, id)
			return err
		}
		s, m, err := loadSubject(ctx, tx, svc.db.Dialect(), id)
		if err != nil {
			return err
		}
		if c := digits(confirm); c == "" || (c != digits(s.phone) && c != digits(s.waID)) {
			return apperr.Invalid("confirm", "confirmation_mismatch",
				"to erase this contact, send its phone number in \"confirm\"; erasing cannot be undone")
		}
		// SQLite leaves deleted rows' bytes in free pages until they are
		// reused; secure_delete overwrites them with zeros as they are freed.
		if svc.db.Dialect() == store.SQLite {
			if _, err := tx.Exec(ctx, `PRAGMA secure_delete = ON`); err != nil {
				return err
			}
			defer func() { _, _ = tx.Exec(ctx, `PRAGMA secure_delete = OFF`) }()
		}
		keys := map[string][]any{}
		for _, t := range Tables {
			var busy bool
			var ks []any
			err := m.each(ctx, t, nil, func(r row) error {
				busy = busy || r.busy
				ks = append(ks, r.key)
				return nil
			})
			if err != nil {
				return err
			}
			if busy {
				return apperr.New(apperr.KindConflict, "contact_busy",
					"zapflow is still processing a message or job of this contact; try again in a minute")
			}
			keys[t.Name] = ks
		}
		out = Erasure{Status: StatusErased, ContactID: id, UserID: by.UserID, Deleted: map[string]int{}, ErasedAt: svc.now().UTC()}
		for _, t := range Tables {
			n, err := deleteKeys(ctx, tx, t, keys[t.Name])
			if err != nil {
				return err
			}
			if n > 0 {
				out.Deleted[t.Name] = n
			}
		}
		deleted, err := json.Marshal(out.Deleted)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO contact_erasures (contact_id, user_id, api_key_id, deleted, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, by.UserID, by.APIKeyID, string(deleted), store.Millis(out.ErasedAt))
		return err
	})
	if err == nil && out.Status == StatusErased {
		svc.checkpoint(ctx)
	}
	return out, err
}

// checkpoint moves SQLite's write-ahead log into the database file and
// empties it: the log still holds the pages as they were before the
// erasure (secure_delete zeroes the freed space in the file and in the
// pages the erasure writes, not in older log frames). It is best effort:
// while a long read holds an older snapshot, the log is emptied by a later
// checkpoint instead. It takes turns with the background checkpoints
// (store.TruncateLog): run straight on the writer connection, it failed
// at once whenever one of those was copying. PostgreSQL keeps deleted
// rows' bytes until (auto)vacuum reuses their space; see the README.
func (svc *Service) checkpoint(ctx context.Context) {
	_ = store.TruncateLog(ctx, svc.db)
}

// deleteKeys deletes t's rows by key, in batches; it returns how many
// went (a row a cascade already took does not count).
func deleteKeys(ctx context.Context, tx store.Tx, t Table, keys []any) (int, error) {
	total := 0
	start := 0
	for _, size := range store.Chunks(len(keys)) {
		n, err := tx.Exec(ctx, `DELETE FROM `+ident(t.Name)+` WHERE `+ident(t.Key)+` IN (`+store.List(size)+`)`, keys[start:start+size]...)
		if err != nil {
			return total, err
		}
		total += int(n)
		start += size
	}
	return total, nil
}

// previousErasure answers an erasure of a contact that no longer exists:
// its erasure's line (the latest, should SQLite have given the id to a
// later contact that was erased too), or not_found for an id never erased.
func previousErasure(ctx context.Context, q store.Querier, id int64) (Erasure, error) {
	out := Erasure{Status: StatusAlreadyErased, ContactID: id}
	var deleted string
	var at int64
	err := q.QueryRow(ctx, `SELECT user_id, deleted, created_at FROM contact_erasures WHERE contact_id = ? ORDER BY id DESC LIMIT 1`, id).
		Scan(&out.UserID, &deleted, &at)
	if errors.Is(err, store.ErrNotFound) {
		return out, apperr.NotFound("contact")
	}
	if err != nil {
		return out, err
	}
	out.ErasedAt = store.Time(at)
	return out, json.Unmarshal([]byte(deleted), &out.Deleted)
}
