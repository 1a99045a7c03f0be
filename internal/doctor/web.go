package doctor

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// BaseURL checks that the public URL is https: Meta posts webhooks to
// https URLs only, and browsers keep session cookies secure only there.
func BaseURL(env Env) Result {
	const what = "base URL"
	u := env.Config.BaseURL
	switch {
	case u == "":
		return fail(what, "ZAPFLOW_BASE_URL is not set", "set ZAPFLOW_BASE_URL to the https address Meta and your team reach this server at")
	case !strings.HasPrefix(u, "https://"):
		return fail(what, u+" is not https", "serve zapflow behind a TLS proxy (Caddy, nginx) and set ZAPFLOW_BASE_URL=https://…")
	}
	return pass(what, u)
}

// Reachable checks that /healthz answers 200 at the public URL from this
// machine: the server runs, and the URL leads to it.
func Reachable(ctx context.Context, env Env) Result {
	const what = "server"
	u := env.Config.PublicURL() + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fail(what, fmt.Sprintf("%s: %v", u, err), "fix ZAPFLOW_BASE_URL")
	}
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return fail(what, fmt.Sprintf("%s does not answer: %v", u, err),
			"start zapflow ('zapflow serve' or the service), and check that the base URL's DNS and proxy lead to it")
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode != http.StatusOK {
		return fail(what, fmt.Sprintf("%s answered %d: %s", u, resp.StatusCode, strings.TrimSpace(string(body))),
			"read the server's log; /healthz fails when the database does not take writes")
	}
	return pass(what, u+" answers 200")
}

// DebugAddr checks that the profiler, which has no login, listens on
// loopback only.
func DebugAddr(env Env) Result {
	const what = "debug address"
	a := env.Config.DebugAddr
	if a == "" {
		return pass(what, "off")
	}
	host, _, err := net.SplitHostPort(a)
	if err == nil {
		if host == "localhost" {
			return pass(what, a+" (loopback)")
		}
		if ip, perr := netip.ParseAddr(host); perr == nil && ip.IsLoopback() {
			return pass(what, a+" (loopback)")
		}
	}
	return fail(what, a+" is reachable from other machines and the profiler has no login", "set ZAPFLOW_DEBUG_ADDR=127.0.0.1:6060 or unset it")
}
