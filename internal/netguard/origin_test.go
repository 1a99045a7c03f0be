package netguard

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSameOrigin(t *testing.T) {
	require.True(t, SameOrigin("https://graph.facebook.com", "https://GRAPH.facebook.com./v23.0"))
	require.True(t, SameOrigin("https://api.openai.com/v1", "https://api.openai.com:443/v2"))
	require.True(t, SameOrigin("http://10.0.0.5/a", "http://10.0.0.5:80/b"))
	require.False(t, SameOrigin("https://graph.facebook.com", "https://evil.example"))
	require.False(t, SameOrigin("https://api.openai.com/v1", "http://api.openai.com/v1"), "a downgrade to http is another endpoint")
	require.False(t, SameOrigin("http://crm.lan:8080", "http://crm.lan:8081"))
	require.False(t, SameOrigin("", "https://x.example"))
	require.False(t, SameOrigin("not a url", "not a url"))
}
