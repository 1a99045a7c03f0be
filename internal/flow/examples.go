package flow

import (
	"context"
	"embed"
	"path"
	"sort"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// The example flows (F13) ship inside the binary as ordinary flow files:
// what they show is exactly what a user can export, edit and import.
//
//go:embed examples/*.yaml
var examplesFS embed.FS

// Examples returns the example files by name (post_call_followup.yaml…).
func Examples() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := examplesFS.ReadDir("examples")
	for _, e := range entries {
		b, err := examplesFS.ReadFile(path.Join("examples", e.Name()))
		if err == nil {
			out[e.Name()] = b
		}
	}
	return out
}

// InstallExamples adds the example flows once per database (the sandbox
// does it on first start). They are installed disabled: enabled, the lead
// qualification flow would answer every new sandbox conversation and the
// others would fire on any matching event, surprising whoever only wanted
// to try sending; a user enables (or test-runs) them from the list. A
// deleted example does not come back.
func (s *Service) InstallExamples(ctx context.Context) (int, error) {
	var done bool
	if err := s.DB.Read().QueryRow(ctx, `SELECT examples_installed FROM flow_meta WHERE id = 1`).Scan(&done); err != nil || done {
		return 0, err
	}
	files := Examples()
	names := sortedKeys(files)
	sort.Strings(names)
	n := 0
	err := s.DB.InTx(ctx, func(tx store.Tx) error {
		n = 0
		for _, name := range names {
			fl, err := Parse(files[name], YAML)
			if err != nil {
				return err
			}
			if _, err := Compile(fl, s.options()); err != nil {
				return err
			}
			fl.Enabled = false
			if _, err := insertFlow(ctx, tx, fl, store.Millis(s.Now())); err != nil {
				if ae, ok := apperr.As(err); ok && ae.Code == "flow_exists" {
					continue // a user flow has the name: leave theirs alone
				}
				return err
			}
			n++
		}
		if _, err := tx.Exec(ctx, `UPDATE flow_meta SET examples_installed = ? WHERE id = 1`, true); err != nil {
			return err
		}
		return bumpCache(ctx, tx)
	})
	s.cache.invalidate()
	return n, err
}
