package sandbox

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/whatsapp"
)

// GET /{waba-id}/subscribed_apps answers in Meta's shape through the same
// client the app uses: one app whose alternate callback is where the
// sandbox delivers webhooks, plus the server's Date.
func TestSubscribedApps(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	c := whatsapp.NewClient(e.srv.URL+"/sandbox/graph", "v23.0", e.srv.Client())
	ctx := context.Background()

	subs, err := c.SubscribedApps(ctx, testAccessToken, DefaultWABAID)
	require.NoError(t, err)
	require.Len(t, subs.Apps, 1)
	require.Equal(t, e.in.srv.URL, subs.Apps[0].OverrideCallbackURI)
	require.Equal(t, sandboxAppID, subs.Apps[0].AppID)
	require.False(t, subs.ServerDate.IsZero(), "the Date header is read")

	e.sb.SetWebhookURL("https://elsewhere.example/hook")
	subs, err = c.SubscribedApps(ctx, testAccessToken, DefaultWABAID)
	require.NoError(t, err)
	require.Equal(t, "https://elsewhere.example/hook", subs.Apps[0].OverrideCallbackURI)

	_, err = c.SubscribedApps(ctx, "wrong", DefaultWABAID)
	var ae *whatsapp.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 190, ae.Code)

	_, err = c.SubscribedApps(ctx, testAccessToken, "42")
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 100, ae.Code)
}
