package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A web page in an operator's browser must not drive the control API: a
// foreign Host (DNS rebinding), a foreign Origin (cross-site fetch) and a
// form-encoded body (a plain HTML form) are refused before anything
// happens; JSON from loopback, or from the configured address, works.
func TestControlAPIRefusesBrowserRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.ControlHosts = []string{"zap.example.com:8080"} })
	body := `{"from":"` + ana + `","name":"Ana","to":"` + loja + `","text":"oi"}`
	call := func(method, host, origin, ctype, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, e.srv.URL+"/sandbox/api/customers/messages", strings.NewReader(body))
		require.NoError(t, err)
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		var out struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out.Error.Code
	}
	srvHost := strings.TrimPrefix(e.srv.URL, "http://")

	cases := []struct {
		name, host, origin, ctype, code string
	}{
		{"rebinding host", "evil.example:80", "", "application/json", "sandbox_foreign_host"},
		{"public IP not configured", "203.0.113.7", "", "application/json", "sandbox_foreign_host"},
		{"foreign origin", "", "http://evil.example", "application/json", "sandbox_foreign_origin"},
		{"null origin", "", "null", "application/json", "sandbox_foreign_origin"},
		{"form body", "", "", "application/x-www-form-urlencoded", "sandbox_json_required"},
		{"text body", "", "", "text/plain", "sandbox_json_required"},
		{"no content type", "", "", "", "sandbox_json_required"},
	}
	for _, c := range cases {
		status, code := call(http.MethodPost, c.host, c.origin, c.ctype, body)
		require.Equal(t, http.StatusForbidden, status, c.name)
		require.Equal(t, c.code, code, c.name)
	}
	require.Empty(t, e.sb.Received(), "no refused request reached the simulator")

	// A foreign Host is refused on reads too (rebinding could read them).
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/sandbox/api/sent", nil)
	require.NoError(t, err)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	// JSON from loopback (by IP or name, with or without its own origin)
	// and from the configured host works.
	for _, ok := range []struct{ host, origin string }{
		{"", ""}, {"", "http://" + srvHost}, {"localhost:9", ""}, {"[::1]:8080", ""}, {"zap.example.com", ""},
	} {
		status, _ := call(http.MethodPost, ok.host, ok.origin, "application/json; charset=utf-8", body)
		require.Equal(t, http.StatusOK, status, ok)
	}
	require.Len(t, e.sb.Received(), 5)
}

// A number the sandbox adds at runtime may not take a real sender's id.
func TestControlAddSenderRefusesRealSenderID(t *testing.T) {
	t.Parallel()
	const real = "123456789012345"
	e := newEnv(t, func(c *Config) {
		c.SenderTaken = func(id string) (bool, error) { return id == real, nil }
	})
	resp, out := e.do(t, http.MethodPost, "/sandbox/api/senders", "", map[string]any{"phone_number_id": real, "display_phone_number": "+55 11 4000-0009"})
	require.Equal(t, http.StatusConflict, resp.StatusCode, out)
	require.Contains(t, out["error"], "real")
	require.Len(t, e.sb.Senders(), 2)

	resp, out = e.do(t, http.MethodPost, "/sandbox/api/senders", "", map[string]any{"phone_number_id": "100000000000019", "display_phone_number": "+55 11 4000-0009"})
	require.Equal(t, http.StatusCreated, resp.StatusCode, out)
}
