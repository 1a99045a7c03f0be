package flow

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// The host side of the engine. Every input reaches a run through start or
// apply, inside a transaction the caller owns (the intake's processing
// transaction, the send worker's outcome transaction, a job's or the
// API's own): the run's new state and all its effects are written in it,
// so they commit together or not at all.
//
// A send effect is Outbox.SendTx in that same transaction: the message
// row and its send job commit with the state that says "step waiting for
// its send". There is no moment at which the send is recorded and the
// step is not (or the reverse): a crash before the commit loses both, and
// the input that caused them is redone (a webhook event is processed
// again, a job runs again), finding the run as it was; a crash after it
// keeps both, and the send job sends the message once (the send pipeline
// owns exactly-once towards Meta). The step completes when the outcome
// hook sees the message sent, again in one transaction.

// NotifyKind is the notification kind of a flow step that failed for good.
const NotifyKind = "flow_step_failed"

// maxSyncRounds bounds effect → immediate result → effect chains in one
// commit (a send refused at once that goes on to another send…).
const maxSyncRounds = 50

// start creates a run of c and advances it from the beginning. The run's
// id is taken first (newRunID): the steps and the effects may need it
// ({{run.id}}, a send's source, a job's run), and the row is written once,
// at the end, already holding the state after the first steps and their
// immediate results. Nothing in between reads the row: a start used to
// insert a placeholder and update it in the same transaction, which on
// SQLite's one writer cost a second write of the row and its indexes per
// run started.
func (s *Service) start(ctx context.Context, tx store.Tx, c *Compiled, st State, test bool) (int64, error) {
	now := s.Now()
	var messageConv int64
	if !test {
		messageConv = st.ConversationID // set at the start only by WhatsApp triggers
	}
	id, err := newRunID(ctx, tx, s.DB.Dialect(), &s.runIDs)
	if err != nil {
		return 0, err
	}
	st.RunID, st.StartedAt = id, now
	next, effects, _ := Advance(c, st, Input{Kind: InputStart, Now: now})
	if next, err = s.perform(ctx, tx, c, next, effects); err != nil {
		return 0, err
	}
	s.observe(tx, runMark{started: true}, &next)
	text, err := insertRun(ctx, tx, c, next, test, messageConv, store.Millis(s.Now()))
	if err != nil {
		return 0, err
	}
	s.states.remember(tx, id, 1, text, next)
	return id, nil
}

// apply feeds in to run id. It returns the run's state after it, and
// whether the input changed anything (false: stale or already applied).
// A missing run is not an error: it was deleted, so stale work finds
// nothing to do.
func (s *Service) apply(ctx context.Context, tx store.Tx, id int64, in Input) (State, bool, error) {
	r, err := lockRun(ctx, tx, s.DB.Dialect(), s.states, id)
	if errors.Is(err, store.ErrNotFound) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, err
	}
	c, err := s.cache.compiled(ctx, tx, r.flowID, r.flowVersion)
	if err != nil {
		return r.state, false, err
	}
	r.state.RunID = id
	from := markOf(r.state) // before Advance, which reuses the state's log
	next, effects, changed := Advance(c, r.state, in)
	if !changed {
		return next, false, nil
	}
	next, err = s.perform(ctx, tx, c, next, effects)
	if err != nil {
		return next, true, err
	}
	s.observe(tx, from, &next)
	text, err := saveRun(ctx, tx, c, next, store.Millis(s.Now()))
	if err != nil {
		return next, true, err
	}
	// The row is locked: its version is the one read, plus this write.
	s.states.remember(tx, id, r.ver+1, text, next)
	return next, true, nil
}

// perform performs effects and returns the state to save. A send that the
// outbox refuses at once (sender offline, template not found…) is the
// step's result right away: it is fed back to the engine before anything
// is saved, so the failure follows the step's retry policy and on_error.
func (s *Service) perform(ctx context.Context, tx store.Tx, c *Compiled, st State, effects []Effect) (State, error) {
	for round := 0; len(effects) > 0; round++ {
		if round > maxSyncRounds {
			return st, errors.New("flow: too many immediate step results in one commit")
		}
		var results []Input
		var jobs []river.InsertManyParams
		for _, ef := range effects {
			in, job, err := s.effect(ctx, tx, &st, ef)
			if err != nil {
				return st, err
			}
			if in != nil {
				results = append(results, *in)
			}
			if job != nil {
				jobs = append(jobs, *job)
			}
		}
		if err := s.Queue.InsertManyTx(ctx, tx, jobs); err != nil {
			return st, err
		}
		effects = nil
		for _, in := range results {
			var more []Effect
			st, more, _ = Advance(c, st, in)
			effects = append(effects, more...)
		}
	}
	return st, nil
}

// effect performs one effect: a send through the outbox, a job for the
// rest. It returns an immediate result to feed back, if any.
func (s *Service) effect(ctx context.Context, tx store.Tx, st *State, ef Effect) (*Input, *river.InsertManyParams, error) {
	switch ef.Kind {
	case EffectSend:
		m, err := s.Outbox.SendTx(ctx, tx, sendRequest(st.RunID, ef))
		if err != nil {
			ae, ok := apperr.As(err)
			if !ok || ae.Kind == apperr.KindInternal {
				return nil, nil, err
			}
			return &Input{Kind: InputResult, Now: s.Now(), Key: ef.Key, Err: &StepError{Code: ae.Code, Message: ae.Message, Retryable: retryableCode(ae.Code)}}, nil, nil
		}
		if st.ConversationID == 0 {
			st.ConversationID = m.ConversationID
		}
		if rec := lastRecord(st, ef.Step); rec != nil {
			if rec.Output == nil {
				rec.Output = map[string]any{}
			}
			rec.Output["message_id"], rec.Output["status"] = m.ID, m.Status
		}
		return nil, nil, nil
	case EffectWake:
		opts := &river.InsertOpts{ScheduledAt: ef.At}
		return nil, &river.InsertManyParams{Args: WakeArgs{RunID: st.RunID, Key: ef.Key}, InsertOpts: opts}, nil
	case EffectHTTP:
		return nil, &river.InsertManyParams{Args: HTTPArgs{RunID: st.RunID, Key: ef.Key, Request: *ef.HTTP}}, nil
	case EffectAI:
		return nil, &river.InsertManyParams{Args: AIArgs{RunID: st.RunID, Key: ef.Key, Request: *ef.AI}}, nil
	case EffectLead:
		in, err := s.leadEffect(ctx, tx, st, ef)
		return in, nil, err
	case EffectNotify:
		title := ef.Notify.Title
		if st.TestRecipient != "" {
			title += " (test run)"
		}
		return nil, nil, notify.Add(ctx, tx, NotifyKind, title, ef.Notify.Body, "run:"+strconv.FormatInt(st.RunID, 10), s.Now())
	}
	return nil, nil, errors.New("flow: unknown effect " + ef.Kind)
}

func lastRecord(st *State, step string) *StepRecord {
	if n := len(st.Log); n > 0 && st.Log[n-1].Step == step {
		return &st.Log[n-1]
	}
	return nil
}

// sourcePrefix marks the messages flows send: flow:<run id>:<wait key>.
const sourcePrefix = "flow:"

func sendRequest(runID int64, ef Effect) messaging.SendRequest {
	se := ef.Send
	req := messaging.SendRequest{Type: se.Type, To: se.To, RecipientName: se.RecipientName, Text: se.Text, Bulk: se.Bulk,
		Source: sourcePrefix + strconv.FormatInt(runID, 10) + ":" + ef.Key}
	if se.Template != nil {
		req.Template = &messaging.TemplateRef{Name: se.Template.Name, Language: se.Template.Language}
		req.Variables = messaging.Variables(se.Variables)
	}
	if se.Rich != nil {
		req.RichContent = *se.Rich
	}
	// A sender is its id or its phone_number_id (15+ digits); ids are short.
	if n, err := strconv.ParseInt(se.Sender, 10, 64); err == nil && n > 0 && len(se.Sender) < 10 {
		req.SenderID = n
	} else {
		req.SenderRef = se.Sender
	}
	return req
}

// parseSource reads a flow message's Source back.
func parseSource(src string) (runID int64, key string, ok bool) {
	rest, ok := strings.CutPrefix(src, sourcePrefix)
	if !ok {
		return 0, "", false
	}
	idStr, key, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, "", false
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	return id, key, err == nil
}

// retryableCode is F15's split of the F14 codes: what may work later
// (the sender reconnects, the rate limit passes) is retried; what needs a
// person to fix the flow or the data is not.
func retryableCode(code string) bool {
	switch code {
	case messaging.ErrCodeSenderOffline, messaging.ErrCodeRateLimited, messaging.ErrCodeTransient, "sender_paused",
		messaging.ErrCodeMarketingLimited, "http_timeout", "http_error", "http_5xx", "http_429", "ai_unavailable":
		return true
	}
	return false
}

func asAppErr(err error) (*apperr.Error, bool) { return apperr.As(err) }
