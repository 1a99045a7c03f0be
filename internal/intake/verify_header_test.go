package intake_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// The verify handshake echoes a caller-chosen string: it is sent as
// text/plain with nosniff, so a crafted link cannot make a browser run it.
func TestWebhookVerifyNoSniff(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		good := verifyToken(env)
		for _, token := range []string{good, "wrong-token"} {
			q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {"<script>alert(1)</script>"}}
			resp, err := http.Get(env.URL + "/webhooks/whatsapp/1?" + q.Encode())
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), "token %s", token)
			if token == good {
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Equal(t, "<script>alert(1)</script>", string(body), "Meta needs the challenge back as is")
				require.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
			}
		}
	})
}
