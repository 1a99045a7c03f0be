package app

import (
	"context"
	"fmt"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// healthCheck is /healthz's test: a read, and a durable write through the
// same path (on SQLite, the one writer connection) the webhook intake
// commits through. A database that still reads but cannot write (disk
// full, read-only file or replica) must fail the check, or the load
// balancer keeps sending webhooks that cannot be stored.
func healthCheck(db store.DB, now func() time.Time) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var one int
		if err := db.Read().QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
			return fmt.Errorf("the database is not reachable: %w", err)
		}
		err := db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO health_checks (id, checked_at) VALUES (1, ?)
				ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, store.Millis(now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("the database reads but does not take writes: %w", err)
		}
		return nil
	}
}
