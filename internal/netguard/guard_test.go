package netguard

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// target is a loopback server that counts the requests it received.
type target struct {
	*httptest.Server
	hits atomic.Int64
}

func newTarget(t *testing.T, h http.HandlerFunc) *target {
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) addrPort(t *testing.T) netip.AddrPort {
	u, err := url.Parse(tg.URL)
	require.NoError(t, err)
	return netip.MustParseAddrPort(u.Host)
}

func (tg *target) port(t *testing.T) string {
	return strings.Split(strings.TrimPrefix(tg.URL, "http://"), ":")[1]
}

func requireDenied(t *testing.T, err error, dest string) {
	t.Helper()
	require.Error(t, err)
	d, ok := AsDenied(err)
	require.True(t, ok, "want a DeniedError, got %v", err)
	require.Contains(t, d.Destination, dest)
}

// The check function refuses every internal address with a message that
// says how to allow it, and lets the allowlist and the server's own
// address through (only that port).
func TestCheckAddr(t *testing.T) {
	g := New(Options{})
	for _, s := range []string{"127.0.0.1:80", "10.0.0.5:443", "169.254.169.254:80", "[::1]:80", "[fc00::1]:80",
		"[fd00::5]:8080", "0.0.0.0:80", "[::]:80", "[::ffff:127.0.0.1]:80", "[::ffff:169.254.169.254]:80", "[fe80::1]:80"} {
		err := g.checkAddr(netip.MustParseAddrPort(s), "", false)
		requireDenied(t, err, "")
		require.Contains(t, err.Error(), "ZAPFLOW_OUTBOUND_ALLOW", s)
	}
	require.NoError(t, g.checkAddr(netip.MustParseAddrPort("93.184.216.34:443"), "", false))
	require.Equal(t, "destination 10.0.0.5 is not allowed: "+reasonAddress, g.checkAddr(netip.MustParseAddrPort("10.0.0.5:80"), "", false).Error())
	requireDenied(t, g.checkAddr(netip.MustParseAddrPort("127.0.0.1:80"), "localhost", false), "localhost (127.0.0.1)")

	allow, err := ParseAllowlist("10.0.0.0/8,192.168.1.20")
	require.NoError(t, err)
	g = New(Options{Allow: allow, Self: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8080")}})
	require.NoError(t, g.checkAddr(netip.MustParseAddrPort("10.1.2.3:80"), "", false))
	require.NoError(t, g.checkAddr(netip.MustParseAddrPort("[::ffff:10.1.2.3]:80"), "", false))
	require.NoError(t, g.checkAddr(netip.MustParseAddrPort("192.168.1.20:80"), "", false))
	requireDenied(t, g.checkAddr(netip.MustParseAddrPort("192.168.1.21:80"), "", false), "192.168.1.21")
	require.NoError(t, g.checkAddr(netip.MustParseAddrPort("127.0.0.1:8080"), "", true), "the server's own address")
	requireDenied(t, g.checkAddr(netip.MustParseAddrPort("127.0.0.1:8080"), "", false), "127.0.0.1")
	requireDenied(t, g.checkAddr(netip.MustParseAddrPort("127.0.0.1:8081"), "", true), "127.0.0.1")
	requireDenied(t, g.checkAddr(netip.MustParseAddrPort("169.254.169.254:80"), "", false), "169.254.169.254")
}

// CheckURL refuses other schemes and literal internal addresses at once,
// and leaves host names to the dialer.
func TestCheckURL(t *testing.T) {
	g := New(Options{})
	for _, u := range []string{"ftp://example.com/x", "file:///etc/passwd", "gopher://example.com", "javascript:alert(1)"} {
		requireDenied(t, g.CheckURL(u), ":")
	}
	requireDenied(t, g.CheckURL("http://127.0.0.1:8080/x"), "127.0.0.1")
	requireDenied(t, g.CheckURL("https://[::1]/v1"), "::1")
	requireDenied(t, g.CheckURL("http://169.254.169.254/latest/meta-data"), "169.254.169.254")
	requireDenied(t, g.CheckURL("http://[::ffff:a00:5]/"), "10.0.0.5")
	require.NoError(t, g.CheckURL("https://api.openai.com/v1"))
	require.NoError(t, g.CheckURL("http://localhost:8080/"), "a name is checked when connecting")
	g = New(Options{Self: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8080")}, SelfPaths: []string{"/sandbox/graph/"}})
	require.NoError(t, g.CheckURL("http://127.0.0.1:8080/sandbox/graph/v23.0/1"))
	require.NoError(t, g.CheckURL("http://127.0.0.1:8080/sandbox/graph"), "a base URL without its slash")
	requireDenied(t, g.CheckURL("http://127.0.0.1/"), "127.0.0.1")
	for _, p := range []string{"/api/v1/senders", "/sandbox/api/senders", "/sandbox/graph/../api/senders", "/sandbox/graph/%2e%2e/api/x", "/", "/sandbox/graphs/x", "/sandbox/graph//api"} {
		requireDenied(t, g.CheckURL("http://127.0.0.1:8080"+p), "127.0.0.1:8080")
	}
}

// End to end on loopback: a server on 127.0.0.1 is refused by address and
// by a name resolving to it (the dialer's check sees the resolved
// address), and receives nothing; the allowlist, a host name on it or the
// server's own address open it.
func TestClientRefusesLoopback(t *testing.T) {
	tg := newTarget(t, nil)
	_, err := New(Options{}).Client(0).Get(tg.URL)
	requireDenied(t, err, "127.0.0.1")
	_, err = New(Options{}).Client(0).Get("http://localhost:" + tg.port(t) + "/")
	requireDenied(t, err, "localhost")
	require.Contains(t, err.Error(), "ZAPFLOW_OUTBOUND_ALLOW")
	require.Zero(t, tg.hits.Load(), "nothing reached the server")

	get := func(g *Guard, u string) {
		t.Helper()
		resp, err := g.Client(0).Get(u)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	allow, err := ParseAllowlist("127.0.0.0/8")
	require.NoError(t, err)
	get(New(Options{Allow: allow}), tg.URL)
	hosts, err := ParseAllowlist("localhost")
	require.NoError(t, err)
	get(New(Options{Allow: hosts}), "http://localhost:"+tg.port(t)+"/")
	get(New(Options{Self: []netip.AddrPort{tg.addrPort(t)}}), tg.URL)
	require.EqualValues(t, 3, tg.hits.Load())

	other := newTarget(t, nil)
	_, err = New(Options{Self: []netip.AddrPort{tg.addrPort(t)}}).Client(0).Get(other.URL)
	requireDenied(t, err, "127.0.0.1")
	require.Zero(t, other.hits.Load(), "the server's own address is one port, not all of loopback")

	// The own address is reachable on its allowed paths, by address only.
	self := New(Options{Self: []netip.AddrPort{tg.addrPort(t)}, SelfPaths: []string{"/sandbox/graph/"}})
	get(self, tg.URL+"/sandbox/graph/v23.0/1")
	_, err = self.Client(0).Get(tg.URL + "/sandbox/api/senders")
	requireDenied(t, err, "/sandbox/api/senders")
	_, err = self.Client(0).Get("http://localhost:" + tg.port(t) + "/sandbox/graph/v23.0/1")
	requireDenied(t, err, "localhost")
	require.EqualValues(t, 4, tg.hits.Load())
}

// A redirect from an allowed server to a blocked address, by IP, by name
// or to another scheme, is refused and the blocked server receives
// nothing; redirects are capped.
func TestClientRechecksRedirects(t *testing.T) {
	blocked := newTarget(t, nil)
	to := ""
	allowed := newTarget(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) })
	g := New(Options{Self: []netip.AddrPort{allowed.addrPort(t)}})
	for _, c := range []struct{ to, dest string }{
		{blocked.URL + "/x", "127.0.0.1"},
		{"http://localhost:" + blocked.port(t) + "/x", "localhost"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254"},
		{"http://[::1]:" + blocked.port(t) + "/", "::1"},
		{"ftp://example.com/", "ftp:"},
	} {
		to = c.to
		_, err := g.Client(0).Get(allowed.URL)
		requireDenied(t, err, c.dest)
	}
	require.EqualValues(t, 5, allowed.hits.Load())
	require.Zero(t, blocked.hits.Load())

	loop := newTarget(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/again", http.StatusFound) })
	_, err := New(Options{Self: []netip.AddrPort{loop.addrPort(t)}}).Client(0).Get(loop.URL)
	require.ErrorContains(t, err, "stopped after 5 redirects")
	require.EqualValues(t, 6, loop.hits.Load())
}

// Only http and https are requested.
func TestClientRefusesOtherSchemes(t *testing.T) {
	for _, u := range []string{"ftp://127.0.0.1/", "file:///etc/passwd", "gopher://example.com/"} {
		_, err := New(Options{}).Client(0).Get(u)
		requireDenied(t, err, ":")
		require.Contains(t, err.Error(), "only http and https")
	}
}
