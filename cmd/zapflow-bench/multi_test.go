package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// -also spreads the POSTs over the instances round-robin, while the
// sandbox (and the reads) stay on -url.
func TestSendRoundRobinOverInstances(t *testing.T) {
	f, srv := newFakeZapflow(t)
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var posts, other atomic.Int64
	second := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/messages" {
			posts.Add(1)
		} else {
			other.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(second.Close)

	cfg := sendTestConfig(srv.URL)
	cfg.Also = []string{second.URL}
	res, err := runSend(context.Background(), cfg)
	require.NoError(t, err)
	require.True(t, res.ok(), "%+v", res)
	require.Equal(t, 2, res.Instances)
	require.Equal(t, int64(cfg.N/2), posts.Load(), "every other POST went to the second instance")
	require.Zero(t, other.Load(), "reads and the sandbox stay on -url")
	require.Zero(t, res.Lost)
	require.Equal(t, -1, res.Throttled, "the fake's sandbox has no throttle count")

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, cfg.N, f.posts)

	cfg.SkipURL = true
	require.Equal(t, []string{second.URL}, cfg.baseURLs(), "-post-url=false leaves -url out")
}
