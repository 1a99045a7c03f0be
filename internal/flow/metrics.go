package flow

import (
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// runMark is what the metrics need of a run's state before an input: the
// step history's length, whether its last step was still open, and the
// run's status. The engine appends to and updates the same log, so the
// state itself cannot serve as "before".
type runMark struct {
	started  bool // the run starts with this input
	logLen   int
	lastOpen bool
	status   string
}

func markOf(st State) runMark {
	m := runMark{logLen: len(st.Log), status: st.Status}
	if m.logLen > 0 {
		m.lastOpen = st.Log[m.logLen-1].EndedAt.IsZero()
	}
	return m
}

// stepTime is a step that ended, for the metrics.
type stepTime struct {
	typ string
	d   time.Duration
}

// observe reports to the metrics, once tx commits, the run's start, the
// steps that ended since from and the run's end if it ended. A rolled
// back transaction (a crash, a batch retried one by one) reports nothing.
// Step times come from the engine's clock (the inputs' Now), so they are
// the times the run history shows.
func (s *Service) observe(tx store.Tx, from runMark, st *State) {
	m := s.Metrics
	if m == nil {
		return
	}
	i := from.logLen
	if from.lastOpen {
		i--
	}
	var steps []stepTime
	for ; i < len(st.Log); i++ {
		if rec := &st.Log[i]; !rec.EndedAt.IsZero() {
			steps = append(steps, stepTime{rec.Type, rec.EndedAt.Sub(rec.StartedAt)})
		}
	}
	var ended, failedType string
	if Terminal(st.Status) && !Terminal(from.status) {
		ended = st.Status
		if n := len(st.Log); n > 0 && st.Log[n-1].Status == StepFailed {
			failedType = st.Log[n-1].Type
		}
	}
	if !from.started && len(steps) == 0 && ended == "" {
		return
	}
	tx.AfterCommit(func() {
		if from.started {
			m.FlowRunStarted()
		}
		for _, st := range steps {
			m.FlowStep(st.typ, st.d)
		}
		if ended != "" {
			m.FlowRunEnded(ended, failedType)
		}
	})
}
