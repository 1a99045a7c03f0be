package store

import "context"

type relaxedKey struct{}

// Relaxed marks the transactions run with ctx as not needing their own
// flush to disk: a commit survives a crash of zapflow but may be lost with
// a power loss of the machine (SQLite: no log flush after the commit,
// walsync.go; PostgreSQL: synchronous_commit=off), unless a later ordinary
// commit flushes it first,
// which under load is milliseconds away. For work that a loss simply
// undoes and that is redone from durable input: applying stored webhook
// events, recording send outcomes that Meta's status webhooks confirm
// again. Acknowledged webhooks and send attempts are never relaxed.
func Relaxed(ctx context.Context) context.Context {
	return context.WithValue(ctx, relaxedKey{}, true)
}

func isRelaxed(ctx context.Context) bool {
	v, _ := ctx.Value(relaxedKey{}).(bool)
	return v
}
