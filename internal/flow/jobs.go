package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/store"
)

// Jobs carry a run id and the key of the wait they answer. They are
// inserted only in the transaction that put the run in that wait, so each
// exists once; when one runs after the run moved on (cancelled, timed
// out, already resumed) its key no longer matches and it does nothing:
// stale wake-ups are harmless.

// WakeArgs wakes a run at a time (delay, retry, reply timeout).
type WakeArgs struct {
	RunID int64  `json:"run_id"`
	Key   string `json:"key"`
}

// Kind is River's job kind.
func (WakeArgs) Kind() string { return "flow.wake" }

// HTTPArgs performs an http_request step.
type HTTPArgs struct {
	RunID   int64      `json:"run_id"`
	Key     string     `json:"key"`
	Request HTTPEffect `json:"request"`
}

// Kind is River's job kind.
func (HTTPArgs) Kind() string { return "flow.http" }

// QueueCalls is the River queue of the steps that call out (HTTP, AI):
// they wait on other servers for seconds, so they get their own workers
// and a slow endpoint never holds up wake-ups and the other jobs.
const QueueCalls = "flow_calls"

// InsertOpts puts HTTP steps on the calls queue.
func (HTTPArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueCalls} }

// AIArgs performs a generate_ai_reply step.
type AIArgs struct {
	RunID   int64    `json:"run_id"`
	Key     string   `json:"key"`
	Request AIEffect `json:"request"`
}

// Kind is River's job kind.
func (AIArgs) Kind() string { return "flow.ai" }

// InsertOpts puts AI steps on the calls queue.
func (AIArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueCalls} }

// Register adds the flow workers.
func (s *Service) Register(workers *river.Workers) {
	river.AddWorker(workers, &wakeWorker{s: s})
	river.AddWorker(workers, &httpWorker{s: s})
	river.AddWorker(workers, &aiWorker{s: s})
}

type wakeWorker struct {
	river.WorkerDefaults[WakeArgs]
	s *Service
}

func (w *wakeWorker) Work(ctx context.Context, job *river.Job[WakeArgs]) error {
	var early time.Duration
	err := w.s.DB.InTx(ctx, func(tx store.Tx) error {
		now := w.s.Now()
		st, changed, err := w.s.apply(ctx, tx, job.Args.RunID, Input{Kind: InputWake, Now: now, Key: job.Args.Key})
		if err == nil && !changed && st.Wait != nil && st.Wait.Key == job.Args.Key && now.Before(st.Wait.Until) {
			early = st.Wait.Until.Sub(now) // the queue's clock ran ahead of ours
		}
		return err
	})
	if err == nil && early > 0 {
		return river.JobSnooze(early)
	}
	return err
}

// waiting reports whether run id still waits for key (a cheap read that
// spares an HTTP or AI call for a run that moved on).
func (s *Service) waiting(ctx context.Context, id int64, key string) (bool, error) {
	var state string
	err := s.DB.Read().QueryRow(ctx, `SELECT state FROM flow_runs WHERE id = ?`, id).Scan(&state)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var st struct {
		Wait *Wait `json:"wait"`
	}
	if err := json.Unmarshal([]byte(state), &st); err != nil {
		return false, err
	}
	return st.Wait != nil && st.Wait.Key == key, nil
}

// deliver applies a job's result in its own transaction.
func (s *Service) deliver(ctx context.Context, runID int64, key string, out map[string]any, serr *StepError) error {
	return s.DB.InTx(context.WithoutCancel(ctx), func(tx store.Tx) error {
		_, _, err := s.apply(ctx, tx, runID, Input{Kind: InputResult, Now: s.Now(), Key: key, Output: out, Err: serr})
		return err
	})
}

// maxHTTPResponse bounds what an http_request keeps of a response.
const maxHTTPResponse = 256 << 10

type httpWorker struct {
	river.WorkerDefaults[HTTPArgs]
	s *Service
}

func (w *httpWorker) Timeout(*river.Job[HTTPArgs]) time.Duration { return time.Minute }

// Work makes the request, at least once: a crash between the response and
// the commit repeats it, so the request carries Idempotency-Key
// (run:step:attempt) for the receiver to recognise a repeat.
func (w *httpWorker) Work(ctx context.Context, job *river.Job[HTTPArgs]) error {
	a := job.Args
	if ok, err := w.s.waiting(ctx, a.RunID, a.Key); err != nil || !ok {
		return err
	}
	out, serr := w.s.doHTTP(ctx, a.RunID, a.Key, a.Request)
	return w.s.deliver(ctx, a.RunID, a.Key, out, serr)
}

func (s *Service) doHTTP(ctx context.Context, runID int64, key string, r HTTPEffect) (map[string]any, *StepError) {
	var body io.Reader
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return nil, &StepError{Code: "invalid_request", Message: "the body is not JSON: " + err.Error()}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return nil, &StepError{Code: "invalid_url", Message: err.Error()}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Idempotency-Key", strconv.FormatInt(runID, 10)+":"+key)
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		// The outbound guard's refusal (an internal address, another
		// scheme) will not change by the next attempt: permanent.
		if d, ok := netguard.AsDenied(err); ok {
			return nil, &StepError{Code: netguard.Code, Message: d.Error()}
		}
		return nil, &StepError{Code: "http_error", Message: "the request failed: " + err.Error(), Retryable: true}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxHTTPResponse))
	var parsed any = string(raw)
	var js any
	if json.Unmarshal(raw, &js) == nil {
		parsed = js
	}
	out := map[string]any{"status": resp.StatusCode, "body": parsed}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, &StepError{Code: "http_429", Message: "the server answered 429 Too Many Requests", Retryable: true}
	case resp.StatusCode >= 500:
		return nil, &StepError{Code: "http_5xx", Message: "the server answered " + resp.Status, Retryable: true}
	case resp.StatusCode >= 400:
		return nil, &StepError{Code: "http_4xx", Message: "the server answered " + resp.Status + ": " + truncate(string(raw), 200)}
	}
	return out, nil
}

type aiWorker struct {
	river.WorkerDefaults[AIArgs]
	s *Service
}

func (w *aiWorker) Timeout(*river.Job[AIArgs]) time.Duration { return 2 * time.Minute }

func (w *aiWorker) Work(ctx context.Context, job *river.Job[AIArgs]) error {
	a := job.Args
	if ok, err := w.s.waiting(ctx, a.RunID, a.Key); err != nil || !ok {
		return err
	}
	if w.s.AI == nil {
		return w.s.deliver(ctx, a.RunID, a.Key, nil, &StepError{Code: "ai_unavailable", Message: "generate_ai_reply is not available on this server", Retryable: true})
	}
	rep, err := w.s.AI(ctx, a.Request.Assistant, a.Request.Customer, a.Request.Message, a.Request.Context)
	if err != nil {
		code := "ai_error"
		if ae, ok := asAppErr(err); ok {
			code = ae.Code
		}
		// A bad key, an unknown model, AI switched off or a missing
		// assistant will not fix themselves by the next attempt.
		retryable := code == "ai_error" || code == "ai_rate_limited" || code == "ai_timeout" || code == "ai_unavailable"
		return w.s.deliver(ctx, a.RunID, a.Key, nil, &StepError{Code: code, Message: err.Error(), Retryable: retryable})
	}
	return w.s.deliver(ctx, a.RunID, a.Key, map[string]any{"text": rep.Text, "ai_conversation_id": rep.ConversationID}, nil)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
