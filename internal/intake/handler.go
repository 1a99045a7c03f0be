package intake

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// MaxBody is Meta's documented payload ceiling (3 MB).
const MaxBody = 3 << 20

// Accounts is what the handler needs of the account service.
type Accounts interface {
	CachedAccount(ctx context.Context, id int64) (account.Account, error)
}

// Handler serves GET and POST /webhooks/whatsapp/{account}.
type Handler struct {
	accounts Accounts
	writer   *Writer
	metrics  *metrics.Metrics
	log      *slog.Logger
	now      func() time.Time
	bodies   bodyBuffers
	// beforeStore sees each webhook's events before they are stored.
	beforeStore func(acc account.Account, evs []whatsapp.Event)
}

// NewHandler builds the webhook handler.
func NewHandler(accounts Accounts, w *Writer, m *metrics.Metrics, log *slog.Logger, now func() time.Time) *Handler {
	return &Handler{accounts: accounts, writer: w, metrics: m, log: log, now: now}
}

// BeforeStore sets f, called with every verified webhook's events before
// they are stored, in the request's goroutine and outside any
// transaction: work that would otherwise run when the events are applied,
// in the processing transaction, can be done there (the outbox normalises
// the customers' numbers, messaging.Outbox.WarmRecipients). f must not
// keep evs. Set it before serving.
func (h *Handler) BeforeStore(f func(acc account.Account, evs []whatsapp.Event)) { h.beforeStore = f }

func (h *Handler) account(w http.ResponseWriter, r *http.Request) (account.Account, bool) {
	id, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil {
		httpx.Fail(w, http.StatusNotFound, "unknown_account", "no account with this id: the webhook URL ends in the account id")
		return account.Account{}, false
	}
	acc, err := h.accounts.CachedAccount(r.Context(), id)
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
			httpx.Fail(w, http.StatusNotFound, "unknown_account", "no account with this id: the webhook URL ends in the account id")
		} else {
			httpx.Error(w, r, h.log, err)
		}
		return acc, false
	}
	return acc, true
}

// Verify answers Meta's subscription handshake: the challenge is echoed
// only when the verify token matches the account's.
func (h *Handler) Verify(w http.ResponseWriter, r *http.Request) {
	// The answer echoes hub.challenge, which anyone can put in a link: with
	// nosniff a browser keeps it text/plain and never runs it as HTML.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	acc, ok := h.account(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" || acc.VerifyToken == "" || subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(acc.VerifyToken)) != 1 {
		httpx.Fail(w, http.StatusForbidden, "verify_token_mismatch", "hub.verify_token does not match this account's verify token")
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// Receive stores a notification POST and answers 200 once it is committed.
func (h *Handler) Receive(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	result := h.receive(w, r)
	h.metrics.WebhookRequests.WithLabelValues(result).Inc()
	h.metrics.WebhookLatency.Observe(time.Since(start).Seconds())
}

// receipt is the answer to a stored POST. Its fields are in name order so
// it encodes exactly as the map it replaced, without allocating one.
type receipt struct {
	Duplicates int `json:"duplicates"`
	Stored     int `json:"stored"`
}

func (h *Handler) receive(w http.ResponseWriter, r *http.Request) string {
	acc, ok := h.account(w, r)
	if !ok {
		return "unknown_account"
	}
	buf, err := h.bodies.read(w, r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpx.Fail(w, http.StatusRequestEntityTooLarge, "body_too_large", "webhook body is larger than 3 MiB")
			return "too_large"
		}
		httpx.Fail(w, http.StatusBadRequest, "unreadable_body", "could not read the request body")
		return "malformed"
	}
	body := buf.Bytes()
	sig := r.Header.Get("X-Hub-Signature-256")
	if sig == "" || !whatsapp.VerifySignature(acc.AppSecret, body, sig) {
		h.bodies.release(buf)
		httpx.Fail(w, http.StatusUnauthorized, "invalid_signature",
			"X-Hub-Signature-256 is missing or does not match the body signed with this account's app secret")
		return "bad_signature"
	}
	// The events copy what they keep, so the buffer can go back before the
	// (possibly long) wait for the commit.
	events, err := whatsapp.ParseWebhook(body)
	h.bodies.release(buf)
	if err != nil {
		httpx.Fail(w, http.StatusBadRequest, "malformed_payload", err.Error())
		return "malformed"
	}
	if h.beforeStore != nil && len(events) > 0 {
		h.beforeStore(acc, events)
	}
	received := store.Millis(h.now())
	rows := make([]Row, 0, len(events))
	for _, ev := range events {
		payload, err := json.Marshal(ev)
		if err != nil {
			httpx.Error(w, r, h.log, err)
			return "error"
		}
		rows = append(rows, NewRow(acc.ID, ev, payload, received))
	}
	var res Result
	if len(rows) > 0 {
		res, err = h.writer.Submit(r.Context(), rows)
		if err != nil {
			h.log.Error("webhook not stored", "account", acc.ID, "events", len(rows), "err", err)
			httpx.Fail(w, http.StatusServiceUnavailable, "not_stored", "the events could not be stored; send them again")
			return "error"
		}
	}
	httpx.JSON(w, http.StatusOK, receipt{Duplicates: res.Duplicates, Stored: res.Stored})
	return "ok"
}
