package store

import "context"

// The work a write transaction does, as SQLite's one writer counts the
// time it is held (WriterBusy): a handful of fixed names, so the
// metric's label stays bounded, enough to tell an operator what keeps
// the writer busy.
const (
	WorkWebhooks = "webhooks" // storing and applying the Cloud API's webhook events
	WorkSends    = "sends"    // claiming messages to send and recording how each send went
	WorkSearch   = "search"   // indexing messages and contacts for the inbox search
	WorkLog      = "log"      // checkpoints that restart or empty the write-ahead log
	WorkOther    = "other"    // everything else: API and web app writes, jobs, flows' wake-ups
)

type workKey struct{}

// ForWork marks the write transactions run with ctx as done for work
// (one of the Work names); unmarked ones count as WorkOther.
func ForWork(ctx context.Context, work string) context.Context {
	return context.WithValue(ctx, workKey{}, work)
}

// workOf is the work ctx is marked with, WorkOther when none.
func workOf(ctx context.Context) string {
	if w, ok := ctx.Value(workKey{}).(string); ok {
		return w
	}
	return WorkOther
}
