package netguard

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every internal range is refused, IPv4-mapped IPv6 forms included, and
// public addresses are not.
func TestInternal(t *testing.T) {
	internal := []string{
		"127.0.0.1", "127.8.9.10", "10.0.0.5", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.20",
		"169.254.169.254", "169.254.0.1", "0.0.0.0", "0.1.2.3", "100.64.0.1", "192.0.0.192", "224.0.0.251",
		"239.255.255.250", "255.255.255.255", "240.0.0.1",
		"::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "ff02::1", "fec0::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.5", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
		// IPv4 inside translation prefixes: NAT64, 6to4, Teredo (server,
		// then the inverted client), IPv4-compatible.
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::10.0.0.5", "2002:7f00:1::1", "2002:a00:5::",
		"2001:0:7f00:1::", "2001:0:808:808::f5ff:fffa", "::7f00:1",
	}
	for _, s := range internal {
		require.True(t, Internal(netip.MustParseAddr(s)), s)
	}
	public := []string{"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8",
		"64:ff9b::808:808", "2002:808:808::1", "2001:0:808:808::f7f7:f7f7"}
	for _, s := range public {
		require.False(t, Internal(netip.MustParseAddr(s)), s)
	}
	require.True(t, Internal(netip.Addr{}), "an invalid address is refused")
}
