package app

import (
	"net"
	"net/netip"
	"net/url"
)

// sandboxGraphURL is the Graph URL the sandbox account sends to: this
// instance's own sandbox, or (ZAPFLOW_SANDBOX_GRAPH_URL) the one every
// instance on the database shares, so the simulated Meta counts all their
// sends against each number's throughput as Meta would.
func (a *App) sandboxGraphURL() string {
	if a.cfg.SandboxGraphURL != "" {
		return a.cfg.SandboxGraphURL
	}
	return a.loopbackURL() + "/sandbox/graph"
}

// sharedSandboxAddrs is the shared sandbox's address when it is another
// instance on a literal IP: the outbound guard treats it like our own
// address (its sandbox paths only), as it does for our own sandbox.
func (a *App) sharedSandboxAddrs() []netip.AddrPort {
	if a.cfg.SandboxGraphURL == "" {
		return nil
	}
	u, err := url.Parse(a.cfg.SandboxGraphURL)
	if err != nil || u.Scheme != "http" {
		return nil
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return nil
	}
	ap, err := netip.ParseAddrPort(net.JoinHostPort(host, port))
	if err != nil {
		return nil
	}
	return []netip.AddrPort{ap}
}
