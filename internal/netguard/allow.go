package netguard

import (
	"fmt"
	"net/netip"
	"strings"
)

// Allowlist is the operator's exceptions (ZAPFLOW_OUTBOUND_ALLOW): address
// ranges that may be connected to, and host names whose requests may
// connect to whatever address the name resolves to (a CRM on the LAN).
type Allowlist struct {
	Prefixes []netip.Prefix
	Hosts    []string // lower case, no trailing dot
}

// ParseAllowlist reads a comma-separated list of CIDRs (10.0.0.0/8), IP
// addresses (192.168.1.20) and host names (crm.lan). An entry that is none
// of these is an error naming it, so a typo stops the server at start
// instead of silently allowing nothing.
func ParseAllowlist(s string) (Allowlist, error) {
	var a Allowlist
	for _, raw := range strings.Split(s, ",") {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		if strings.Contains(e, "/") {
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return Allowlist{}, fmt.Errorf("%q is not a valid CIDR (e.g. 10.0.0.0/8)", e)
			}
			a.Prefixes = append(a.Prefixes, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
			ip = ip.Unmap()
			a.Prefixes = append(a.Prefixes, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		h := normalizeHost(e)
		if !validHostName(h) {
			return Allowlist{}, fmt.Errorf("%q is not a CIDR (10.0.0.0/8), an IP address (192.168.1.20) or a host name (crm.lan)", e)
		}
		a.Hosts = append(a.Hosts, h)
	}
	return a, nil
}

// String writes the list back in ParseAllowlist's format.
func (a Allowlist) String() string {
	parts := make([]string, 0, len(a.Prefixes)+len(a.Hosts))
	for _, p := range a.Prefixes {
		parts = append(parts, p.String())
	}
	parts = append(parts, a.Hosts...)
	return strings.Join(parts, ",")
}

func (a Allowlist) allowsIP(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	for _, p := range a.Prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func (a Allowlist) allowsHost(host string) bool {
	host = normalizeHost(host)
	for _, h := range a.Hosts {
		if h == host {
			return true
		}
	}
	return false
}

func normalizeHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// validHostName accepts DNS names: labels of letters, digits and hyphens,
// not starting or ending with a hyphen.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
