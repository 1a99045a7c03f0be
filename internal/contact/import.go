package contact

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// ImportResult is what an import did.
type ImportResult struct {
	// Rows is how many contact rows the file has.
	Rows    int `json:"rows"`
	Created int `json:"created"`
	Updated int `json:"updated"`
	// Errors are the rows left out, each with its reason.
	Errors []RowError `json:"errors"`
	// Ignored are columns an import does not write (an export's
	// read-only ones, such as profile_name).
	Ignored []string `json:"ignored_columns,omitempty"`
}

// Import reads a CSV file of contacts: a title row, then one contact per
// row. The phone column (titled phone, telefone, number or whatsapp) is
// required; name, tags (separated by commas, semicolons or bars) and
// opted_out are read when present; every other column is a custom field
// (its title made a field name: "Data de nascimento" is
// data_de_nascimento). Numbers without their country code are read as
// numbers of region (an ISO country code; "" for none).
//
// The whole file is checked first: a malformed one (not CSV, no phone
// column, too large) imports nothing and returns an error. Rows with a bad
// number or value, and repeats of a number, are left out and reported
// each; the others are written in one transaction: a new number is a new
// contact, a known one gets the row's name (when not blank), its tags
// added, its fields set and its opt-out changed (recorded in the history).
// Rows are written in batches of multi-row statements, so the largest
// file holds the database's writer for a few seconds at most.
func (s *Service) Import(ctx context.Context, data []byte, region string, by Actor) (ImportResult, error) {
	by.Source = SourceImport
	region, err := checkRegion(region)
	if err != nil {
		return ImportResult{}, err
	}
	plan, err := parseImport(data, region)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: plan.read, Errors: plan.errors, Ignored: plan.ignored}
	if res.Errors == nil {
		res.Errors = []RowError{}
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		res.Created, res.Updated = 0, 0
		return chunked(len(plan.rows), func(lo, hi int) error {
			created, err := importChunk(ctx, tx, plan.rows[lo:hi], by, now)
			res.Created += created
			res.Updated += hi - lo - created
			return err
		})
	})
	return res, err
}

// chunked calls fn for consecutive ranges of n items, sized by
// store.Chunks.
func chunked(n int, fn func(lo, hi int) error) error {
	lo := 0
	for _, size := range store.Chunks(n) {
		if err := fn(lo, lo+size); err != nil {
			return err
		}
		lo += size
	}
	return nil
}

// known is a contact of the database an import row names.
type known struct {
	id       int64
	name     string
	optedOut bool
	fresh    bool // created by this import
}

// importChunk writes rows (no two with the same number) and returns how
// many contacts it created.
func importChunk(ctx context.Context, tx store.Tx, rows []importRow, by Actor, now time.Time) (int, error) {
	at := store.Millis(now)
	byWAID, err := lookUp(ctx, tx, rows)
	if err != nil {
		return 0, err
	}
	var fresh []importRow
	for _, r := range rows {
		if _, ok := byWAID[r.waID]; !ok {
			fresh = append(fresh, r)
		}
	}
	if err := insertContacts(ctx, tx, fresh, at, byWAID); err != nil {
		return 0, err
	}
	// A customer who wrote in meanwhile (on PostgreSQL) is a contact now:
	// the row updates them.
	var raced []importRow
	for _, r := range fresh {
		if _, ok := byWAID[r.waID]; !ok {
			raced = append(raced, r)
		}
	}
	if len(raced) > 0 {
		more, err := lookUp(ctx, tx, raced)
		if err != nil {
			return 0, err
		}
		maps.Copy(byWAID, more)
	}
	created := 0
	var old []importRow
	for _, r := range rows {
		if byWAID[r.waID].fresh {
			created++
		} else {
			old = append(old, r)
		}
	}
	if len(old) > 0 {
		ids := make([]any, 0, len(old)+1)
		ids = append(ids, at)
		for _, r := range old {
			k := byWAID[r.waID]
			ids = append(ids, k.id)
			if r.name != "" && r.name != k.name {
				if _, err := tx.Exec(ctx, `UPDATE contacts SET name = ? WHERE id = ?`, r.name, k.id); err != nil {
					return 0, err
				}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE contacts SET updated_at = ? WHERE id IN (`+store.List(len(old))+`)`, ids...); err != nil {
			return 0, err
		}
	}
	if err := importTags(ctx, tx, rows, byWAID); err != nil {
		return 0, err
	}
	if err := importFields(ctx, tx, rows, byWAID); err != nil {
		return 0, err
	}
	for _, r := range rows {
		k := byWAID[r.waID]
		if r.optedOut != nil {
			if err := SetOptOut(ctx, tx, k.id, k.optedOut, *r.optedOut, by, "row "+strconv.Itoa(r.row), now); err != nil {
				return 0, err
			}
		}
	}
	return created, nil
}

// lookUp finds the contacts of rows' numbers.
func lookUp(ctx context.Context, tx store.Tx, rows []importRow) (map[string]known, error) {
	args := make([]any, len(rows))
	for i, r := range rows {
		args[i] = r.waID
	}
	found := map[string]known{}
	res, err := tx.Query(ctx, `SELECT wa_id, id, name, opted_out FROM contacts WHERE wa_id IN (`+store.List(len(args))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	for res.Next() {
		var waID string
		var k known
		if err := res.Scan(&waID, &k.id, &k.name, &k.optedOut); err != nil {
			return nil, err
		}
		found[waID] = k
	}
	return found, res.Err()
}

// insertContacts creates the contacts of rows and adds them to byWAID.
func insertContacts(ctx context.Context, tx store.Tx, rows []importRow, at int64, byWAID map[string]known) error {
	return chunked(len(rows), func(lo, hi int) error {
		args := make([]any, 0, 5*(hi-lo))
		for _, r := range rows[lo:hi] {
			args = append(args, r.waID, r.phone, r.name, at, at)
		}
		res, err := tx.Query(ctx, `INSERT INTO contacts (wa_id, phone, name, created_at, updated_at) VALUES `+
			store.Placeholders(hi-lo, 5)+` ON CONFLICT (wa_id) DO NOTHING RETURNING wa_id, id`, args...)
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Next() {
			var waID string
			k := known{fresh: true}
			if err := res.Scan(&waID, &k.id); err != nil {
				return err
			}
			byWAID[waID] = k
		}
		return res.Err()
	})
}

// importTags adds the rows' tags their contacts lack (ignoring case).
func importTags(ctx context.Context, tx store.Tx, rows []importRow, byWAID map[string]known) error {
	have := map[int64]map[string]bool{}
	var ids []any
	for _, r := range rows {
		if k := byWAID[r.waID]; !k.fresh && len(r.tags) > 0 {
			ids = append(ids, k.id)
		}
	}
	if len(ids) > 0 {
		res, err := tx.Query(ctx, `SELECT contact_id, tag FROM contact_tags WHERE contact_id IN (`+store.List(len(ids))+`)`, ids...)
		if err != nil {
			return err
		}
		for res.Next() {
			var id int64
			var tag string
			if err := res.Scan(&id, &tag); err != nil {
				res.Close()
				return err
			}
			if have[id] == nil {
				have[id] = map[string]bool{}
			}
			have[id][strings.ToLower(tag)] = true
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
	}
	var pairs []any
	for _, r := range rows {
		id := byWAID[r.waID].id
		for _, tag := range r.tags {
			if !have[id][strings.ToLower(tag)] {
				pairs = append(pairs, id, tag)
			}
		}
	}
	return chunked(len(pairs)/2, func(lo, hi int) error {
		_, err := tx.Exec(ctx, `INSERT INTO contact_tags (contact_id, tag) VALUES `+store.Placeholders(hi-lo, 2)+
			` ON CONFLICT DO NOTHING`, pairs[2*lo:2*hi]...)
		return err
	})
}

// importFields sets the rows' custom fields.
func importFields(ctx context.Context, tx store.Tx, rows []importRow, byWAID map[string]known) error {
	var triples []any
	for _, r := range rows {
		id := byWAID[r.waID].id
		for k, v := range r.fields {
			triples = append(triples, id, k, v)
		}
	}
	return chunked(len(triples)/3, func(lo, hi int) error {
		_, err := tx.Exec(ctx, `INSERT INTO contact_fields (contact_id, name, value) VALUES `+store.Placeholders(hi-lo, 3)+
			` ON CONFLICT (contact_id, name) DO UPDATE SET value = excluded.value`, triples[3*lo:3*hi]...)
		return err
	})
}
