package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// README:BEGIN verifyZapflow
// verifyZapflow reports whether a forwarded request really comes from
// your zapflow (signed with your secret) and is fresh (five minutes).
func verifyZapflow(r *http.Request, body []byte, secret string) bool {
	ts := r.Header.Get("X-Zapflow-Timestamp")
	sent, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(float64(time.Now().Unix()-sent)) > 300 {
		return false // no timestamp, or too old: maybe a replay
	}
	signed := body // POST: the raw JSON body
	if r.Method == http.MethodGet {
		signed = []byte(r.URL.RawQuery) // GET: the raw query string
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(signed)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(r.Header.Get("X-Zapflow-Signature")))
}

// README:END

// TestREADMEShowsTheVerificationUsedHere keeps the README's example and
// the function the forwarding tests verify real deliveries with the same.
func TestREADMEShowsTheVerificationUsedHere(t *testing.T) {
	t.Parallel()
	self, err := os.ReadFile("api_forward_test.go")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(self), "// README:BEGIN verifyZapflow\n")
	require.True(t, ok)
	fn, _, ok := strings.Cut(rest, "\n// README:END")
	require.True(t, ok)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), "```go\n"+fn+"```", "the README's verification example differs from the one tested here")
}

// got is what the test endpoint saw of one request.
type got struct {
	method   string
	verified bool
	tampered bool // the same request with one byte changed verifies
	payload  forward.Payload
}

// TestForwardingOverTheAPI: settings refuse a private address, a save
// switches forwarding on and shows the secret once, a customer's image
// reaches the endpoint signed as the README says, with a media link an
// API key downloads; the delivery log shows the attempt, resend sends it
// again, rotating the secret signs with the new one, GET works, and an
// agent without manage_settings is refused.
func TestForwardingOverTheAPI(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			env := apptest.Start(t, d, apptest.AllowOutbound(t, "127.0.0.1"))
			t.Cleanup(http.DefaultClient.CloseIdleConnections)
			var mu sync.Mutex
			var seen []got
			secret := ""
			crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				g := got{method: r.Method, verified: verifyZapflow(r, body, secret)}
				if r.Method == http.MethodPost {
					require.NoError(t, json.Unmarshal(body, &g.payload))
					bad := append([]byte(nil), body...)
					bad[len(bad)-2] ^= 1
					g.tampered = verifyZapflow(r, bad, secret)
				} else {
					q := r.URL.Query()
					g.payload = forward.Payload{DeliveryID: q.Get("delivery_id"), Type: q.Get("type"), Text: q.Get("text")}
				}
				seen = append(seen, g)
				w.WriteHeader(http.StatusAccepted)
			}))
			t.Cleanup(crm.Close)
			requests := func() []got {
				mu.Lock()
				defer mu.Unlock()
				return append([]got(nil), seen...)
			}

			var v forward.View
			require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/settings/forwarding", nil, &v))
			require.Equal(t, forward.View{Method: "POST"}, v)
			status, out := call(t, env, env.APIKey, http.MethodPut, "/api/v1/settings/forwarding", `{"enabled":true,"url":"http://10.0.0.5/hook"}`)
			e := requireError(t, http.StatusUnprocessableEntity, "destination_not_allowed", status, out)
			require.Equal(t, "url", e.Error.Field)
			status, out = call(t, env, env.APIKey, http.MethodPut, "/api/v1/settings/forwarding", `{"enabled":true,"method":"PATCH","url":"`+crm.URL+`"}`)
			requireError(t, http.StatusUnprocessableEntity, "invalid_request", status, out)

			require.Equal(t, http.StatusOK, env.Do(http.MethodPut, "/api/v1/settings/forwarding", map[string]any{"enabled": true, "url": crm.URL + "/zapflow"}, &v))
			require.True(t, v.Enabled)
			require.NotEmpty(t, v.NewSecret)
			mu.Lock()
			secret = v.NewSecret
			mu.Unlock()
			var again forward.View
			require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/settings/forwarding", nil, &again))
			require.Empty(t, again.NewSecret, "shown once")
			changes, err := env.App.Settings.Changes(context.Background(), forward.Key, 5)
			require.NoError(t, err)
			require.Len(t, changes, 1)
			require.Contains(t, changes[0].Summary, "signing secret generated")
			require.NotContains(t, changes[0].Summary, secret)

			_, err = env.App.Sandbox.CustomerSendsImage(senderA, "+5511988887771", "Ana", "meu recibo")
			require.NoError(t, err)
			env.Eventually(func() bool { return len(requests()) == 1 }, "the image forwarded")
			first := requests()[0]
			require.True(t, first.verified, "the README's verification accepts a real delivery")
			require.False(t, first.tampered, "and refuses it changed")
			p := first.payload
			require.Equal(t, "image", p.Type)
			require.Equal(t, "meu recibo", p.Text)
			require.Equal(t, "+5511988887771", p.Phone)
			require.Equal(t, "Ana", p.Name)
			require.NotNil(t, p.Media)
			require.Equal(t, env.URL+"/api/v1/messages/"+strconv.FormatInt(p.ZapflowMessageID, 10)+"/media", p.Media.URL)

			// The delivery may beat the media's download job: the link then
			// answers 409 media_pending ("try again shortly") until it is in.
			var resp *http.Response
			var img []byte
			env.Eventually(func() bool {
				req, err := http.NewRequest(http.MethodGet, p.Media.URL, nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+env.APIKey)
				resp, err = http.DefaultClient.Do(req)
				require.NoError(t, err)
				img, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusConflict {
					require.Contains(t, string(img), `"media_pending"`)
					return false
				}
				return true
			}, "the media downloaded")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", img)
			require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
			require.NotEmpty(t, img)
			status, _ = call(t, env, "", http.MethodGet, "/api/v1/messages/"+strconv.FormatInt(p.ZapflowMessageID, 10)+"/media", "")
			require.Equal(t, http.StatusUnauthorized, status)

			var list struct {
				Deliveries []forward.Delivery `json:"deliveries"`
			}
			env.Eventually(func() bool {
				require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/forwarding/deliveries?state=delivered", nil, &list))
				return len(list.Deliveries) == 1
			}, "delivered")
			require.Equal(t, p.DeliveryID, list.Deliveries[0].ID)
			var one forward.Delivery
			require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/forwarding/deliveries/"+p.DeliveryID, nil, &one))
			require.Len(t, one.AttemptLog, 1)
			require.Equal(t, http.StatusAccepted, one.AttemptLog[0].StatusCode)
			require.Equal(t, crm.URL+"/zapflow", one.AttemptLog[0].URL)
			status, out = call(t, env, env.APIKey, http.MethodGet, "/api/v1/forwarding/deliveries?state=lost", "")
			requireError(t, http.StatusUnprocessableEntity, "invalid_request", status, out)
			status, out = call(t, env, env.APIKey, http.MethodGet, "/api/v1/forwarding/deliveries/nope", "")
			requireError(t, http.StatusNotFound, "not_found", status, out)

			var rotated forward.View
			require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/settings/forwarding/rotate-secret", nil, &rotated))
			require.NotEmpty(t, rotated.NewSecret)
			require.NotEqual(t, secret, rotated.NewSecret)
			mu.Lock()
			secret = rotated.NewSecret
			mu.Unlock()
			require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/forwarding/deliveries/"+p.DeliveryID+"/resend", nil, &one))
			env.Eventually(func() bool { return len(requests()) == 2 }, "resent")
			require.Equal(t, p.DeliveryID, requests()[1].payload.DeliveryID)
			require.True(t, requests()[1].verified, "signed with the rotated secret")

			require.Equal(t, http.StatusOK, env.Do(http.MethodPut, "/api/v1/settings/forwarding", map[string]any{"method": "GET"}, &v))
			_, err = env.App.Sandbox.CustomerWrites(senderA, "+5511988887771", "Ana", "Oi & tchau")
			require.NoError(t, err)
			env.Eventually(func() bool { return len(requests()) == 3 }, "the text forwarded by GET")
			third := requests()[2]
			require.Equal(t, http.MethodGet, third.method)
			require.True(t, third.verified, "GET signatures verify with the same code")
			require.Equal(t, "Oi & tchau", third.payload.Text)

			ctx := context.Background()
			u, err := env.App.Agents.CreateUser(ctx, "agent@example.com", "Agent", agent.RoleAgent, "agent-password")
			require.NoError(t, err)
			_, key, err := env.App.Agents.CreateAPIKey(ctx, "agent", u.ID)
			require.NoError(t, err)
			for _, c := range [][2]string{{http.MethodGet, "/api/v1/settings/forwarding"}, {http.MethodGet, "/api/v1/forwarding/deliveries"},
				{http.MethodPost, "/api/v1/settings/forwarding/rotate-secret"}, {http.MethodPost, "/api/v1/forwarding/deliveries/" + p.DeliveryID + "/resend"}} {
				status, out := call(t, env, key, c[0], c[1], "")
				requireError(t, http.StatusForbidden, "forbidden", status, out)
			}
		})
	}
}
