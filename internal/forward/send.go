package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/netguard"
)

// Outcomes of an attempt.
const (
	OutcomeDelivered = "delivered"
	OutcomeRetry     = "retry"
	OutcomeFailed    = "failed"
)

// maxExcerpt is how much of an answer an attempt keeps (1 KiB).
const maxExcerpt = 1024

// attemptResult is what one try to send a delivery gave.
type attemptResult struct {
	method, url string
	status      int
	latency     time.Duration
	excerpt     string
	err         string
	outcome     string
	retryAfter  time.Duration
}

// attempt sends c once to the endpoint of st, signed with secret.
func (s *Service) attempt(ctx context.Context, c claimed, st Settings, secret string) attemptResult {
	res := attemptResult{method: st.Method}
	req, signed, err := s.request(ctx, c, st)
	if err != nil {
		res.outcome, res.err, res.url = OutcomeFailed, "the request could not be built: "+err.Error(), st.URL
		return res
	}
	res.url = redactURL(req.URL)
	ts := strconv.FormatInt(s.Now().Unix(), 10)
	req.Header.Set("User-Agent", s.UserAgent)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(secret, ts, signed))
	req.Header.Set(HeaderDelivery, c.deliveryID)
	req.Header.Set(HeaderEvent, Event)

	start := time.Now()
	resp, err := s.HTTP.Do(req)
	res.latency = time.Since(start)
	if err != nil {
		res.outcome, res.err = OutcomeRetry, describe(err)
		return res
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	buf, _ := io.ReadAll(io.LimitReader(resp.Body, maxExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	res.excerpt = excerpt(buf)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		res.outcome = OutcomeDelivered
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		res.outcome = OutcomeRetry
		res.retryAfter = retryAfter(resp.Header.Get("Retry-After"), s.Now())
		res.err = "the endpoint answered " + resp.Status
	default:
		res.outcome = OutcomeFailed
		res.err = "the endpoint answered " + resp.Status + ": not retried (only timeouts, 429 and 5xx are)"
	}
	return res
}

// request builds the HTTP request of a delivery and returns the content
// its signature covers: the JSON body of a POST, the raw query string of
// a GET (the endpoint's own query parameters, if any, then ours).
func (s *Service) request(ctx context.Context, c claimed, st Settings) (*http.Request, []byte, error) {
	u, err := url.Parse(st.URL)
	if err != nil {
		return nil, nil, err
	}
	if st.Method == MethodGET {
		var p Payload
		if err := json.Unmarshal(c.payload, &p); err != nil {
			return nil, nil, err
		}
		q := p.Query().Encode()
		if u.RawQuery != "" {
			q = u.RawQuery + "&" + q
		}
		u.RawQuery = q
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		return req, []byte(q), err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(c.payload))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, c.payload, nil
}

// describe says why a request got no answer, without Go's wording where
// a plainer one exists.
func describe(err error) string {
	if d, ok := netguard.AsDenied(err); ok {
		return d.Error()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout: the endpoint did not answer in time"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout: the endpoint did not answer in time"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// excerpt keeps at most maxExcerpt bytes of an answer, as valid text (a
// character cut in half at the end, and any invalid byte, is dropped).
func excerpt(b []byte) string {
	if len(b) > maxExcerpt {
		b = b[:maxExcerpt]
	}
	return strings.ToValidUTF8(string(b), "")
}

// redactURL is the URL an attempt logs: the query string of a GET carries
// the message, which the delivery already holds, so only its path shows.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}
