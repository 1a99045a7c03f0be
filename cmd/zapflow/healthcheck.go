package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/config"
)

// healthcheck asks the local server's /healthz and fails unless it
// answers 200: the container image's HEALTHCHECK, which has no shell or
// curl to do it.
func healthcheck(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) > 0 {
		return usageError{"usage: zapflow healthcheck"}
	}
	self := selfAddr(cfg.Addr)
	if !self.IsValid() {
		return fmt.Errorf("cannot tell where to reach the server from ZAPFLOW_ADDR=%s", cfg.Addr)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u := "http://" + self.String() + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", u, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(out, "%s: ok\n", u)
	return nil
}
