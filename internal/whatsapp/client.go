package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/netguard"
)

// maxResponseBytes bounds how much of a Graph API response is read, so a
// misbehaving server (or sandbox) cannot exhaust memory.
const maxResponseBytes = 8 << 20

// defaultTimeout applies when NewClient is given no *http.Client, so a
// hung Graph API call cannot block a send job forever.
const defaultTimeout = 30 * time.Second

// Client calls Meta's Graph API for the WhatsApp Cloud API. It is safe for
// concurrent use and holds no per-account state: every call takes the
// access token, so one Client serves all senders. It never retries by
// itself; callers classify *APIError by Code and let the job queue retry.
type Client struct {
	base    string   // base URL without trailing slash, e.g. https://graph.facebook.com ("" if invalid)
	origin  *url.URL // parsed base, for same-origin checks of paging links
	version string   // e.g. v23.0
	hc      *http.Client
}

// NewClient returns a Client for baseURL (e.g. "https://graph.facebook.com",
// or the sandbox's URL) and Graph API version (e.g. "v23.0"). hc is used
// for every request; nil means a client of its own with a 30 s timeout that
// refuses internal addresses like every outbound client (netguard), never
// http.DefaultClient, which other code may reconfigure. An unparsable
// baseURL makes every call fail with an error that says so.
func NewClient(baseURL, version string, hc *http.Client) *Client {
	if hc == nil {
		hc = netguard.New(netguard.Options{}).Client(defaultTimeout)
	}
	c := &Client{version: strings.Trim(version, "/"), hc: hc}
	base := strings.TrimRight(baseURL, "/")
	if u, err := url.Parse(base); err == nil && u.Scheme != "" && u.Host != "" && u.RawQuery == "" {
		c.base, c.origin = base, u
	}
	return c
}

// endpoint builds the URL of /{version}/{segments...}?query. Each segment
// is escaped, and empty or dot segments are refused, so an id can never
// change which Graph node is addressed.
func (c *Client) endpoint(query url.Values, segments ...string) (string, error) {
	if c.base == "" {
		return "", errors.New("whatsapp: client has no valid base URL")
	}
	if c.version == "" {
		return "", errors.New("whatsapp: client has no API version")
	}
	var b strings.Builder
	b.WriteString(c.base + "/" + url.PathEscape(c.version))
	for _, s := range segments {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("whatsapp: invalid id %q in request path", s)
		}
		b.WriteString("/" + url.PathEscape(s))
	}
	if len(query) > 0 {
		b.WriteString("?" + query.Encode())
	}
	return b.String(), nil
}

// sameOrigin reports whether raw points at the configured Graph API host,
// so that following a paging link never sends the token elsewhere.
func (c *Client) sameOrigin(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && c.origin != nil &&
		strings.EqualFold(u.Scheme, c.origin.Scheme) && strings.EqualFold(u.Host, c.origin.Host)
}

// do performs one Graph API request with the Bearer token. A non-2xx
// response (or a 2xx one carrying an error envelope) becomes *APIError; a
// 2xx body is decoded into out when out is not nil.
func (c *Client) do(ctx context.Context, method, rawURL, token string, body []byte, out any) error {
	_, err := c.request(ctx, method, rawURL, token, body, "application/json", out)
	return err
}

// doHeader is do that also returns the response's headers (nil when no
// response came), for callers that read Meta's Date.
func (c *Client) doHeader(ctx context.Context, method, rawURL, token string, body []byte, out any) (http.Header, error) {
	return c.request(ctx, method, rawURL, token, body, "application/json", out)
}

// doTyped is do with the body's Content-Type (a multipart upload's has its boundary).
func (c *Client) doTyped(ctx context.Context, method, rawURL, token string, body []byte, contentType string, out any) error {
	_, err := c.request(ctx, method, rawURL, token, body, contentType, out)
	return err
}

// request is the one Graph API round trip behind do, doHeader and doTyped.
func (c *Client) request(ctx context.Context, method, rawURL, token string, body []byte, contentType string, out any) (http.Header, error) {
	if token == "" {
		return nil, errors.New("whatsapp: empty access token")
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: %s %s: %w", method, req.URL.Path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return resp.Header, fmt.Errorf("whatsapp: %s %s: read response: %w", method, req.URL.Path, err)
	}
	if len(data) > maxResponseBytes {
		return resp.Header, fmt.Errorf("whatsapp: %s %s: response larger than %d bytes", method, req.URL.Path, maxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || hasErrorEnvelope(data) {
		return resp.Header, decodeAPIError(resp.StatusCode, data)
	}
	if out == nil {
		return resp.Header, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.Header, fmt.Errorf("whatsapp: %s %s: decode response: %w (body %s)",
			method, req.URL.Path, err, snippet(data, 200))
	}
	return resp.Header, nil
}
