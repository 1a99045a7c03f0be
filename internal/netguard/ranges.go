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
	for _, v4 := range embeddedIPv4(ip) {
		if Internal(v4) {
			return true
		}
	}
	return false
}

// Translation prefixes whose addresses carry an IPv4 address inside: a
// NAT64 gateway, a 6to4 relay or a Teredo server would forward a request
// for 64:ff9b::7f00:1 to 127.0.0.1, so the address they carry is checked
// too.
var (
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052 well-known prefix
	sixToFour    = netip.MustParsePrefix("2002::/16")    // RFC 3056
	teredoPrefix = netip.MustParsePrefix("2001::/32")    // RFC 4380
	compatPrefix = netip.MustParsePrefix("::/96")        // deprecated IPv4-compatible
)

// embeddedIPv4 returns the IPv4 addresses an IPv6 address carries through
// those translations (none for a plain IPv6 or IPv4 address).
func embeddedIPv4(ip netip.Addr) []netip.Addr {
	if !ip.Is6() {
		return nil
	}
	b := ip.As16()
	v4 := func(p [4]byte) netip.Addr { return netip.AddrFrom4(p) }
	switch {
	case nat64Prefix.Contains(ip), compatPrefix.Contains(ip):
		return []netip.Addr{v4([4]byte{b[12], b[13], b[14], b[15]})}
	case sixToFour.Contains(ip):
		return []netip.Addr{v4([4]byte{b[2], b[3], b[4], b[5]})}
	case teredoPrefix.Contains(ip):
		// The server's address in clear, the client's inverted.
		return []netip.Addr{v4([4]byte{b[4], b[5], b[6], b[7]}), v4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})}
	}
	return nil
}
