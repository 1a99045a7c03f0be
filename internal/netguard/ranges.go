package netguard

import "net/netip"

// blockedPrefixes are the ranges no request may reach unless allowed, on
// top of what netip's predicates already name (loopback, private,
// link-local, unspecified, multicast). IPv4-mapped IPv6 addresses are
// unmapped before the check, so ::ffff:127.0.0.1 is loopback too.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network": 0.0.0.0 reaches the local host on Linux
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, used for some cloud metadata services
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking networks
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and 255.255.255.255 broadcast
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use IPv4/IPv6 translation
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("::/128"),         // unspecified (also caught below)
}

// Internal reports whether ip is an address the guard refuses by default:
// loopback, private (RFC 1918 and IPv6 unique-local fc00::/7), link-local
// (169.254.0.0/16, fe80::/10, cloud metadata lives there), unspecified,
// multicast, broadcast and the other special-purpose ranges above.
func Internal(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return true
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() ||
		ip.IsMulticast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
