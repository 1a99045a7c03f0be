package store

import "context"

// MigrateUpTo applies our migrations up to version (for tests of one
// migration's data changes).
func MigrateUpTo(ctx context.Context, db DB, version int64) error {
	p, closeDB, err := gooseProvider(db)
	if err != nil {
		return err
	}
	defer closeDB()
	_, err = p.UpTo(ctx, version)
	return err
}
