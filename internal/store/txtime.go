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
