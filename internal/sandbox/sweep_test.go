package sandbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// What the sandbox keeps per customer is dropped once it no longer
// matters (window closed, conversation expired, pair bucket full again),
// and only then: a long-running sandbox does not keep every customer it
// ever saw, and its answers stay the same.
func TestSweepDropsWhatNoLongerMatters(t *testing.T) {
	t.Parallel()
	e := newStoppedEnv(t, func(c *Config) { c.PairRateLimit = true })
	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)
	resp, _ := e.send(t, loja, textMsg(ana, "olá"))
	require.Equal(t, 200, resp.StatusCode)

	e.clock.Add(windowTTL + time.Hour)
	const recent = minSweepAt
	for i := range recent {
		_, err := e.sb.CustomerWrites(suporte, fmt.Sprintf("+55119%08d", i), "", "oi")
		require.NoError(t, err)
	}

	e.sb.mu.Lock()
	_, anaWindow := e.sb.windows[pairKey{loja, anaWaID}]
	_, anaConv := e.sb.convs[convKey{loja, anaWaID, "service"}]
	_, anaPair := e.sb.senders[loja].pairs[anaWaID]
	windows := len(e.sb.windows)
	e.sb.mu.Unlock()
	require.False(t, anaWindow, "a window closed for an hour is dropped")
	require.False(t, anaConv, "an expired conversation is dropped")
	require.False(t, anaPair, "a full pair bucket is dropped")
	require.Equal(t, recent, windows, "every open window is kept")

	// The answers are the ones the kept entries would have given.
	resp, out := e.send(t, loja, textMsg(ana, "ainda aí?"))
	require.Equal(t, 131047, graphErr(t, resp, out).code, "Ana's window is closed")
	resp, _ = e.send(t, suporte, textMsg("+5511900000001", "olá"))
	require.Equal(t, 200, resp.StatusCode, "a recent customer's window is open")
}
