package sandbox

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestControlAddSender(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const id = "100000000000013"
	post := func(body any) (*http.Response, map[string]any) {
		return e.do(t, http.MethodPost, "/sandbox/api/senders", "", body)
	}

	// Before it is added, Graph does not know the number and sends fail.
	resp, out := e.send(t, id, apptMsg(ana))
	require.Equal(t, 400, resp.StatusCode, out)

	resp, out = e.do(t, http.MethodGet, "/sandbox/api/sent/count", "", nil)
	require.Equal(t, 200, resp.StatusCode, out)
	require.Equal(t, float64(0), out["count"], "the refused send is not counted")

	resp, out = post(map[string]any{"phone_number_id": id, "display_phone_number": "+55 11 4000-0003"})
	require.Equal(t, 201, resp.StatusCode, out)
	require.Equal(t, id, out["id"])
	require.Equal(t, "CONNECTED", out["status"])
	require.Equal(t, "GREEN", out["quality_rating"])

	// Same defaults as a configured number, appended after them.
	senders := e.sb.Senders()
	require.Len(t, senders, 3)
	added := senders[2]
	require.Equal(t, id, added.PhoneNumberID)
	require.Equal(t, defaultThroughputMPS, added.ThroughputMPS)
	require.Equal(t, "55", added.CountryCode)
	require.Equal(t, defaultMessagingLimitTier, added.MessagingLimitTier)
	require.NotEmpty(t, added.VerifiedName)

	// Graph reads and lists it, so the app can register it as a sender.
	resp, out = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+id, testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode, out)
	require.Equal(t, "+55 11 4000-0003", out["display_phone_number"])
	resp, out = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+DefaultWABAID+"/phone_numbers", testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode, out)
	require.Len(t, out["data"], 3)

	// It sends, and its throughput can be changed like a built-in one.
	resp, out = e.send(t, id, apptMsg(ana))
	require.Equal(t, 200, resp.StatusCode, out)
	sent := e.sb.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, id, sent[0].PhoneNumberID)
	resp, out = e.do(t, http.MethodGet, "/sandbox/api/sent/count", "", nil)
	require.Equal(t, 200, resp.StatusCode, out)
	require.Equal(t, float64(1), out["count"])
	resp, out = e.do(t, http.MethodPost, "/sandbox/api/senders/"+id+"/throughput", "", map[string]any{"mps": 1000})
	require.Equal(t, 200, resp.StatusCode, out)
	require.Equal(t, 1000, e.sb.Senders()[2].ThroughputMPS)

	bad := []struct {
		name   string
		body   any
		status int
	}{
		{"duplicate", map[string]any{"phone_number_id": id, "display_phone_number": "+55 11 4000-0009"}, 409},
		{"duplicate of a built-in", map[string]any{"phone_number_id": loja, "display_phone_number": "+55 11 4000-0009"}, 409},
		{"missing id", map[string]any{"display_phone_number": "+55 11 4000-0004"}, 400},
		{"non-digit id", map[string]any{"phone_number_id": "12a", "display_phone_number": "+55 11 4000-0004"}, 400},
		{"the WABA id", map[string]any{"phone_number_id": DefaultWABAID, "display_phone_number": "+55 11 4000-0004"}, 400},
		{"missing display number", map[string]any{"phone_number_id": "100000000000014"}, 400},
		{"bad status", map[string]any{"phone_number_id": "100000000000014", "display_phone_number": "+55 11 4000-0004", "status": "SLEEPY"}, 400},
		{"invalid json", "{", 400},
	}
	for _, b := range bad {
		resp, out := post(b.body)
		require.Equal(t, b.status, resp.StatusCode, b.name)
		require.NotEmpty(t, out["error"], b.name)
	}
	require.Len(t, e.sb.Senders(), 3, "a rejected add must not register anything")

	// Explicit values are kept (upper-cased like the other control calls).
	resp, out = post(map[string]any{"phone_number_id": "100000000000014", "display_phone_number": "+1 555 000 0004",
		"verified_name": "Extra", "status": "flagged", "throughput_mps": 500})
	require.Equal(t, 201, resp.StatusCode, out)
	got := e.sb.Senders()[3]
	require.Equal(t, "FLAGGED", got.Status)
	require.Equal(t, "Extra", got.VerifiedName)
	require.Equal(t, 500, got.ThroughputMPS)
	require.Equal(t, "1", got.CountryCode)
}
