package sandbox

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
)

// VerifyWebhook performs Meta's subscription handshake against the webhook
// URL: GET ?hub.mode=subscribe&hub.challenge=N&hub.verify_token=VerifyToken,
// which must answer 200 with exactly N. Meta does this whenever a callback URL
// is configured; the app can call it to prove its intake is wired correctly.
func (s *Sandbox) VerifyWebhook(ctx context.Context) error {
	s.mu.Lock()
	target := s.webhookURL
	s.mu.Unlock()
	if target == "" {
		return fmt.Errorf("sandbox: no webhook URL set")
	}
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("sandbox: webhook URL: %w", err)
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	if err != nil {
		return err
	}
	challenge := n.String()
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", challenge)
	q.Set("hub.verify_token", s.cfg.VerifyToken)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("sandbox: verifying webhook: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sandbox: webhook verification answered %s", resp.Status)
	}
	if got := strings.TrimSpace(string(body)); got != challenge {
		return fmt.Errorf("sandbox: webhook verification echoed %q, want %q", got, challenge)
	}
	return nil
}
