package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// MediaInfo is what GET /{media-id} answers: a short-lived download URL
// (about 5 minutes) that itself needs the access token, and the file's
// type.
type MediaInfo struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
}

// MediaInfo resolves a media id (from an inbound image, audio, video,
// document or sticker) to its download URL.
func (c *Client) MediaInfo(ctx context.Context, token, mediaID string) (MediaInfo, error) {
	u, err := c.endpoint(nil, mediaID)
	if err != nil {
		return MediaInfo{}, err
	}
	var out MediaInfo
	if err := c.do(ctx, http.MethodGet, u, token, nil, &out); err != nil {
		return MediaInfo{}, err
	}
	if out.URL == "" {
		return MediaInfo{}, fmt.Errorf("whatsapp: media %s: the answer has no url", mediaID)
	}
	return out, nil
}

// metaMediaHosts are the domains Meta serves media downloads from
// (lookaside.fbsbx.com today). The token goes only to them or to the
// configured Graph host, never to an arbitrary URL a response names.
var metaMediaHosts = []string{".fbsbx.com", ".facebook.com", ".whatsapp.net", ".fbcdn.net"}

// mediaURLTrusted reports whether the access token may be sent to raw.
func (c *Client) mediaURLTrusted(raw string) bool {
	if c.sameOrigin(raw) {
		return true
	}
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "https") {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, suffix := range metaMediaHosts {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}

// ErrMediaTooLarge is returned by DownloadMedia for a file over its limit.
var ErrMediaTooLarge = errors.New("whatsapp: media larger than the download limit")

// DownloadMedia fetches the bytes at a URL MediaInfo returned, with the
// Bearer token, reading at most max bytes. It returns the bytes and the
// Content-Type the server gave.
func (c *Client) DownloadMedia(ctx context.Context, token, rawURL string, max int64) ([]byte, string, error) {
	if token == "" {
		return nil, "", errors.New("whatsapp: empty access token")
	}
	if !c.mediaURLTrusted(rawURL) {
		return nil, "", errors.New("whatsapp: media url is not on Meta's or the Graph API's host; the token is not sent there")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("whatsapp: build media request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("whatsapp: download media: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("whatsapp: download media: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", decodeAPIError(resp.StatusCode, data)
	}
	if int64(len(data)) > max {
		return nil, "", ErrMediaTooLarge
	}
	return data, resp.Header.Get("Content-Type"), nil
}
