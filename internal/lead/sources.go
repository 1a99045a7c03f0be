package lead

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Source is an entry of the managed list of lead sources (WhatsApp,
// Facebook…), with how many leads name it.
type Source struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Leads int    `json:"leads"`
}

// DefaultSourceID is the built-in "WhatsApp" source, auto lead's default.
const DefaultSourceID int64 = 1

// MaxSourceName bounds a source's name (characters).
const MaxSourceName = 60

// ErrSourceExists is returned when another source has the name (names are
// unique ignoring case).
var ErrSourceExists = apperr.New(apperr.KindConflict, "source_exists", "a source with this name exists")

// ErrSourceInUse is returned when removing the source auto lead uses.
var ErrSourceInUse = apperr.New(apperr.KindConflict, "source_in_use", "auto lead uses this source: choose another in the auto lead settings first")

// Sources lists the sources by name.
func (s *Service) Sources(ctx context.Context) ([]Source, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT s.id, s.name, (SELECT COUNT(*) FROM leads l WHERE l.source_id = s.id)
		FROM lead_sources s ORDER BY LOWER(s.name), s.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		var src Source
		if err := rows.Scan(&src.ID, &src.Name, &src.Leads); err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

func cleanSourceName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > MaxSourceName {
		return "", apperr.Invalid("name", "invalid_source_name", "a source needs a name of 1 to 60 characters")
	}
	return name, nil
}

// AddSource adds a source to the list.
func (s *Service) AddSource(ctx context.Context, name string) (Source, error) {
	name, err := cleanSourceName(name)
	if err != nil {
		return Source{}, err
	}
	var src Source
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO lead_sources (name, created_at) VALUES (?, ?) RETURNING id, name`,
			name, store.Millis(s.now())).Scan(&src.ID, &src.Name)
	})
	if errors.Is(err, store.ErrConflict) {
		return Source{}, ErrSourceExists
	}
	return src, err
}

// RenameSource renames source id; its leads follow.
func (s *Service) RenameSource(ctx context.Context, id int64, name string) (Source, error) {
	name, err := cleanSourceName(name)
	if err != nil {
		return Source{}, err
	}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE lead_sources SET name = ? WHERE id = ?`, name, id)
		if err == nil && n == 0 {
			return apperr.NotFound("source")
		}
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return Source{}, ErrSourceExists
	}
	if err != nil {
		return Source{}, err
	}
	return s.source(ctx, id)
}

// RemoveSource removes source id; its leads are left without a source.
// The source auto lead uses cannot be removed.
func (s *Service) RemoveSource(ctx context.Context, id int64) error {
	set, err := s.AutoSettings(ctx, nil)
	if err != nil {
		return err
	}
	if set.SourceID == id {
		return ErrSourceInUse
	}
	return s.db.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM lead_sources WHERE id = ?`, id)
		if err == nil && n == 0 {
			return apperr.NotFound("source")
		}
		return err
	})
}

func (s *Service) source(ctx context.Context, id int64) (Source, error) {
	var src Source
	err := s.db.Read().QueryRow(ctx, `SELECT s.id, s.name, (SELECT COUNT(*) FROM leads l WHERE l.source_id = s.id)
		FROM lead_sources s WHERE s.id = ?`, id).Scan(&src.ID, &src.Name, &src.Leads)
	if errors.Is(err, store.ErrNotFound) {
		return Source{}, apperr.NotFound("source")
	}
	return src, err
}
