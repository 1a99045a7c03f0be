package contact

import (
	"context"
	"errors"
	"strconv"
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
func (s *Service) Import(ctx context.Context, data []byte, region string, by Actor) (ImportResult, error) {
	by.Source = SourceImport
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
		for _, row := range plan.rows {
			created, err := importOne(ctx, tx, row, by, now)
			if err != nil {
				return err
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
		}
		return nil
	})
	return res, err
}

// importOne writes one good row.
func importOne(ctx context.Context, tx store.Tx, row importRow, by Actor, now time.Time) (bool, error) {
	at := store.Millis(now)
	var id int64
	var optedOut, created bool
	err := tx.QueryRow(ctx, `SELECT id, opted_out FROM contacts WHERE wa_id = ?`, row.waID).Scan(&id, &optedOut)
	switch {
	case errors.Is(err, store.ErrNotFound):
		created = true
		err = tx.QueryRow(ctx, `INSERT INTO contacts (wa_id, phone, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			row.waID, row.phone, row.name, at, at).Scan(&id)
	case err == nil:
		_, err = tx.Exec(ctx, `UPDATE contacts SET name = CASE WHEN ? <> '' THEN ? ELSE name END, updated_at = ? WHERE id = ?`,
			row.name, row.name, at, id)
	}
	if err != nil {
		return false, err
	}
	if err := addTags(ctx, tx, id, row.tags); err != nil {
		return false, err
	}
	c := checked{set: row.fields, optedOut: row.optedOut}
	return created, apply(ctx, tx, id, optedOut, c, by, "row "+strconv.Itoa(row.row), now)
}
