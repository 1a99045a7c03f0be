package sandbox

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// guardControl wraps the control API. It has no login (it plays the
// customer in a demo), so it must not be reachable from a web page open in
// an operator's browser:
//
//   - the Host header must name loopback or one of Config.ControlHosts, so a
//     DNS-rebinding page (evil.example resolving to 127.0.0.1) is refused;
//   - an Origin header, when sent, must be this server's own origin, so a
//     cross-site fetch or form is refused;
//   - a request that changes anything must be application/json, which a
//     plain HTML form or a no-cors fetch cannot send.
//
// Refusals are 403 with a stable code.
func (s *Sandbox) guardControl(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.controlHostAllowed(r.Host) {
			controlRefuse(w, "sandbox_foreign_host", "the sandbox control API answers only requests addressed to loopback or to this server's configured address (Host "+r.Host+" refused)")
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
			controlRefuse(w, "sandbox_foreign_origin", "the sandbox control API refuses requests from another origin ("+o+")")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				controlRefuse(w, "sandbox_json_required", "the sandbox control API takes only JSON bodies: send Content-Type: application/json")
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func controlRefuse(w http.ResponseWriter, code, message string) {
	writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// controlHostAllowed reports whether a Host header (with or without port)
// names loopback or one of the configured hosts.
func (s *Sandbox) controlHostAllowed(hostport string) bool {
	host := hostOnly(hostport)
	if host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, h := range s.cfg.ControlHosts {
		if strings.EqualFold(hostOnly(h), host) {
			return true
		}
	}
	return false
}

// hostOnly strips the port and IPv6 brackets from a host[:port].
func hostOnly(hostport string) string {
	hostport = strings.TrimSpace(hostport)
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

// sameOrigin reports whether an Origin header is http(s)://<the request's Host>.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" {
		return false
	}
	return strings.EqualFold(u.Host, host)
}
