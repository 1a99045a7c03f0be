package store

import (
	"sync/atomic"
	"time"
)

// txTimer holds the optional observer of write transaction times (the
// metrics' histogram). It is set once at start-up; an atomic pointer
// keeps a late set race-free and costs one load per transaction.
type txTimer struct {
	observe atomic.Pointer[func(time.Duration)]
}

// done reports a transaction that began at start.
func (t *txTimer) done(start time.Time) {
	if f := t.observe.Load(); f != nil {
		(*f)(time.Since(start))
	}
}

// ObserveTx makes db report every write transaction's time, from begin to
// commit or rollback, to f. A DB of another kind (a test double) is left
// as it is.
func ObserveTx(db DB, f func(time.Duration)) {
	if t, ok := db.(interface{ timer() *txTimer }); ok {
		t.timer().observe.Store(&f)
	}
}

func (d *sqliteDB) timer() *txTimer { return &d.txTimer }
func (d *pgDB) timer() *txTimer     { return &d.txTimer }

// WriterBusy returns, for a SQLite database, how long its single writer
// connection has been held since it was opened, by the work its holders
// did (ForWork): write transactions and the checkpoints that restart the
// log, not the waits for the log flush after a commit. The rate of the
// sum is the writer's utilisation (1: saturated), the ceiling of
// everything an installation on SQLite writes. Other databases run
// transactions side by side and have no such figure: ok is false.
func WriterBusy(db DB) (busy func() map[string]time.Duration, ok bool) {
	if d, ok := db.(*sqliteDB); ok {
		return d.gate.heldFor, true
	}
	return nil, false
}
