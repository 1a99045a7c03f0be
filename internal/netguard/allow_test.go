package netguard

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseAllowlist(t *testing.T) {
	a, err := ParseAllowlist(" 10.0.0.0/8, 192.168.1.20 ,crm.LAN., [fd00::1], 172.16.5.9/16,,")
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.20/32"),
		netip.MustParsePrefix("fd00::1/128"), netip.MustParsePrefix("172.16.0.0/16"),
	}, a.Prefixes)
	require.Equal(t, []string{"crm.lan"}, a.Hosts)
	require.Equal(t, "10.0.0.0/8,192.168.1.20/32,fd00::1/128,172.16.0.0/16,crm.lan", a.String())
	require.True(t, a.allowsIP(netip.MustParseAddr("10.9.8.7")))
	require.True(t, a.allowsIP(netip.MustParseAddr("::ffff:10.9.8.7")))
	require.False(t, a.allowsIP(netip.MustParseAddr("192.168.1.21")))
	require.True(t, a.allowsHost("CRM.lan"))
	require.False(t, a.allowsHost("other.lan"))

	empty, err := ParseAllowlist("")
	require.NoError(t, err)
	require.Empty(t, empty.Prefixes)
	require.Empty(t, empty.Hosts)

	for _, bad := range []string{"10.0.0.0/33", "http://crm.lan", "crm.lan:8080", "-bad.lan", "a b", "10.0.0.0/x"} {
		_, err := ParseAllowlist("10.0.0.0/8," + bad)
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), bad)
	}
}
