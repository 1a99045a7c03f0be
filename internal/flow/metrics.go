package flow

// runMark is what the metrics need of a run's state before an input: the
// step history's length, whether its last step was still open, and the
// run's status. The engine appends to and updates the same log, so the
// state itself cannot serve as "before".
type runMark struct {
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

// observe reports to the metrics the steps that ended and the run's end,
// if it ended, since from. Step times come from the engine's clock (the
// inputs' Now), so they are the times the run history shows.
func (s *Service) observe(from runMark, st *State) {
	if s.Metrics == nil {
		return
	}
	i := from.logLen
	if from.lastOpen {
		i--
	}
	for ; i < len(st.Log); i++ {
		if rec := &st.Log[i]; !rec.EndedAt.IsZero() {
			s.Metrics.FlowStep(rec.Type, rec.EndedAt.Sub(rec.StartedAt))
		}
	}
	if Terminal(st.Status) && !Terminal(from.status) {
		var failedType string
		if n := len(st.Log); n > 0 && st.Log[n-1].Status == StepFailed {
			failedType = st.Log[n-1].Type
		}
		s.Metrics.FlowRunEnded(st.Status, failedType)
	}
}
