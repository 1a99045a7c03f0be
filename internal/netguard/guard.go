package netguard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultMaxRedirects caps how many redirects one request follows.
const DefaultMaxRedirects = 5

// Options configures a Guard.
type Options struct {
	// Allow is the operator's exceptions (ZAPFLOW_OUTBOUND_ALLOW).
	Allow Allowlist
	// Self lists this server's own listen addresses (ip:port, exactly):
	// the sandbox's Graph API and AI model are served there and reached
	// over loopback. Only that port of that address is allowed, so the
	// sandbox works with the guard on.
	Self []netip.AddrPort
	// SelfPaths limits what may be requested on Self to these path
	// prefixes (empty: any path). The sandbox's Graph API and model are
	// reachable; the server's own API and the sandbox's control API,
	// which trusts loopback callers, are not. Self is allowed only when
	// the URL names it by address (as internal/app does), so a host name
	// resolving to it is refused like any other loopback name.
	SelfPaths []string
	// MaxRedirects caps redirects per request (DefaultMaxRedirects if 0).
	MaxRedirects int
}

// Guard checks destinations and builds the HTTP clients that use the
// checks. One Guard (and its one connection pool) serves the whole app.
type Guard struct {
	allow        Allowlist
	self         []netip.AddrPort
	selfPaths    []string
	maxRedirects int
	transport    http.RoundTripper
}

// New builds a Guard. Without options it refuses every internal address.
func New(o Options) *Guard {
	g := &Guard{allow: o.Allow, maxRedirects: o.MaxRedirects, selfPaths: o.SelfPaths}
	for _, ap := range o.Self {
		g.self = append(g.self, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
	}
	if g.maxRedirects <= 0 {
		g.maxRedirects = DefaultMaxRedirects
	}
	base := &http.Transport{
		// No environment proxy: the dialer would check the proxy's address
		// and never the destination's.
		Proxy:                 nil,
		DialContext:           g.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	g.transport = &checkedTransport{g: g, base: base}
	return g
}

// Client returns an HTTP client through the guard with an overall timeout
// per request (0: none; the caller's context bounds it). Clients share the
// guard's connection pool.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	return &http.Client{Transport: g.transport, Timeout: timeout, CheckRedirect: g.checkRedirect}
}

// CheckURL refuses what can be refused before connecting: a scheme other
// than http or https, and a host that is a literal internal IP address not
// allowed. A host name passes here; the address it resolves to is checked
// when connecting. Settings use it to refuse a URL at save time.
func (g *Guard) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	_, err = g.checkURL(u)
	return err
}

// checkURL also reports whether u is a request to the server's own
// address on one of its allowed paths.
func (g *Guard) checkURL(u *url.URL) (self bool, err error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false, &DeniedError{Destination: strconv.Quote(u.Scheme + ":"), Reason: reasonScheme}
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return false, nil // a name: checked on the resolved address
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	p, _ := strconv.ParseUint(port, 10, 16)
	ap := netip.AddrPortFrom(ip, uint16(p))
	if err := g.checkAddr(ap, "", false); err == nil {
		return false, nil
	}
	if !g.isSelf(ap) {
		return false, g.checkAddr(ap, "", false)
	}
	if !g.selfPathAllowed(u.Path) {
		return false, &DeniedError{Destination: ap.String() + u.Path,
			Reason: "on this server's own address only the sandbox's Graph API and AI model can be requested"}
	}
	return true, nil
}

func (g *Guard) isSelf(ap netip.AddrPort) bool {
	ip := ap.Addr().Unmap().WithZone("")
	for _, s := range g.self {
		if s.Addr() == ip && s.Port() == ap.Port() {
			return true
		}
	}
	return false
}

func (g *Guard) selfPathAllowed(p string) bool {
	if len(g.selfPaths) == 0 {
		return true
	}
	if strings.Contains(p, "..") || strings.Contains(p, "//") {
		return false
	}
	for _, prefix := range g.selfPaths {
		// "/sandbox/graph" is the base of "/sandbox/graph/…": allowed too.
		if strings.HasPrefix(p+"/", prefix) {
			return true
		}
	}
	return false
}

// checkAddr is the decision on one address being connected to; host is
// the request's host name when it was not an IP literal (for the
// message), self whether the request may reach the server's own address.
func (g *Guard) checkAddr(ap netip.AddrPort, host string, self bool) error {
	ip := ap.Addr().Unmap().WithZone("")
	if !Internal(ip) || g.allow.allowsIP(ip) {
		return nil
	}
	if self && g.isSelf(ap) {
		return nil
	}
	dest := ip.String()
	if host != "" && host != dest {
		dest = host + " (" + dest + ")"
	}
	return &DeniedError{Destination: dest, Reason: reasonAddress}
}

// dial connects with a dialer whose Control hook sees each resolved
// address just before connect(2); a host name on the allowlist may
// connect anywhere.
func (g *Guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	named := host
	if _, err := netip.ParseAddr(host); err == nil {
		named = ""
	}
	open := named != "" && g.allow.allowsHost(named)
	d := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		ControlContext: func(ctx context.Context, _, address string, _ syscall.RawConn) error {
			if open {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &DeniedError{Destination: address, Reason: reasonAddress}
			}
			self, _ := ctx.Value(selfKey{}).(bool)
			return g.checkAddr(ap, named, self && named == "")
		},
	}
	return d.DialContext(ctx, network, addr)
}

// checkRedirect caps redirects and re-checks each one's URL (the dialer
// checks its addresses again when it connects).
func (g *Guard) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > g.maxRedirects {
		return fmt.Errorf("stopped after %d redirects", g.maxRedirects)
	}
	_, err := g.checkURL(req.URL)
	return err
}

// selfKey marks a request checked as one to the server's own address on
// an allowed path; the dialer allows the self address only for those.
type selfKey struct{}

// checkedTransport refuses a request's URL before the pool sees it, so a
// refused scheme or literal address is a DeniedError rather than a
// transport's "unsupported protocol scheme".
type checkedTransport struct {
	g    *Guard
	base http.RoundTripper
}

func (t *checkedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	self, err := t.g.checkURL(req.URL)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if self {
		req = req.WithContext(context.WithValue(req.Context(), selfKey{}, true))
	}
	return t.base.RoundTrip(req)
}
