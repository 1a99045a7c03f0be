package config

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// The profiler has no authentication: ZAPFLOW_DEBUG_ADDR refuses, at
// start, any address reachable from the network.
func TestDebugAddrOnlyLoopback(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"127.0.0.1:6060", "127.0.0.2:6060", "[::1]:6060", "localhost:6060", "127.0.0.1:0"} {
		c, err := Parse(env(map[string]string{"ZAPFLOW_DEBUG_ADDR": ok}), os.ReadFile)
		require.NoError(t, err, ok)
		require.Equal(t, ok, c.DebugAddr)
	}
	for _, bad := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "10.0.0.5:6060", "192.168.1.2:6060", "example.com:6060", "127.0.0.1"} {
		_, err := Parse(env(map[string]string{"ZAPFLOW_DEBUG_ADDR": bad}), os.ReadFile)
		require.ErrorContains(t, err, "ZAPFLOW_DEBUG_ADDR", bad)
		if bad != "127.0.0.1" {
			require.ErrorContains(t, err, "loopback", bad)
		}
	}
	c, err := Parse(env(nil), os.ReadFile)
	require.NoError(t, err)
	require.Empty(t, c.DebugAddr, "off unless asked for")
}
