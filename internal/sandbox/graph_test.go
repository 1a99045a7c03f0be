package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGetPhoneNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	path := "/sandbox/graph/v23.0/" + loja
	resp, out := e.do(t, http.MethodGet, path, testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode, out)
	require.Equal(t, "v23.0", resp.Header.Get("facebook-api-version"))
	require.Equal(t, map[string]any{
		"id": loja, "display_phone_number": "+55 11 4000-0001", "verified_name": "Zapflow Sandbox Loja",
		"quality_rating": "GREEN", "status": "CONNECTED", "code_verification_status": "VERIFIED",
		"throughput": map[string]any{"level": "STANDARD"}, "whatsapp_business_manager_messaging_limit": "TIER_2K",
	}, out)

	resp, out = e.do(t, http.MethodGet, path+"?fields=status,throughput{level},platform_type", testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, map[string]any{"id": loja, "status": "CONNECTED", "throughput": map[string]any{"level": "STANDARD"},
		"platform_type": "CLOUD_API"}, out)

	e.sb.SetQuality(loja, "RED")
	e.sb.SetSenderStatus(loja, "DISCONNECTED")
	e.sb.SetThroughput(loja, 1000)
	_, out = e.do(t, http.MethodGet, path+"?fields=quality_rating,status,throughput", testAccessToken, nil)
	require.Equal(t, "RED", out["quality_rating"])
	require.Equal(t, "DISCONNECTED", out["status"])
	require.Equal(t, map[string]any{"level": "HIGH"}, out["throughput"])

	// access_token as a query parameter works too, as on Graph.
	resp, _ = e.do(t, http.MethodGet, path+"?access_token="+testAccessToken, "", nil)
	require.Equal(t, 200, resp.StatusCode)
}

func TestGraphUnknownObjectsAndAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cases := []struct {
		name, method, path, token string
		status, code, subcode     int
		msgPrefix                 string
	}{
		{"unknown id", "GET", "/sandbox/graph/v23.0/42", testAccessToken, 400, 100, 33,
			"Unsupported get request. Object with ID '42' does not exist, cannot be loaded due to missing permissions, or does not support this operation."},
		{"templates of unknown waba", "GET", "/sandbox/graph/v23.0/42/message_templates", testAccessToken, 400, 100, 33, "Unsupported get request."},
		{"unmodelled edge", "DELETE", "/sandbox/graph/v23.0/" + loja + "/messages", testAccessToken, 400, 100, 33, "Unsupported delete request."},
		{"token checked on GET", "GET", "/sandbox/graph/v23.0/" + loja, "nope", 401, 190, 467, "(#190)"},
		{"bad version", "GET", "/sandbox/graph/latest/" + loja, testAccessToken, 400, 2500, 0, "Unknown path components"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, out := e.do(t, tc.method, tc.path, tc.token, nil)
			require.Equal(t, tc.status, resp.StatusCode, out)
			f := graphErr(t, resp, out)
			require.Equal(t, tc.code, f.code)
			require.Equal(t, tc.subcode, f.subcode)
			require.True(t, strings.HasPrefix(f.message, tc.msgPrefix), f.message)
		})
	}
}

func TestGetWABAAndTemplateByID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resp, out := e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+DefaultWABAID, testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, DefaultWABAID, out["id"])

	resp, out = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/1000000000000107?fields=status", testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, map[string]any{"id": "1000000000000107", "status": "PAUSED"}, out)

	resp, out = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+DefaultWABAID+"/phone_numbers?fields=id,status", testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode)
	data := out["data"].([]any)
	require.Len(t, data, 2)
	require.Equal(t, map[string]any{"id": suporte, "status": "CONNECTED"}, data[1])
}

func TestListTemplatesPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	want := make([]string, 0)
	for _, tp := range DefaultTemplates() {
		want = append(want, tp.Name)
	}
	host := strings.TrimPrefix(e.srv.URL, "http://")
	next := e.srv.URL + "/sandbox/graph/v23.0/" + DefaultWABAID + "/message_templates?limit=3"
	var got []string
	pages := 0
	for next != "" {
		u, err := url.Parse(next)
		require.NoError(t, err)
		require.Equal(t, "http", u.Scheme)
		require.Equal(t, host, u.Host, "next must be absolute, built from the request host")
		resp, out := e.do(t, http.MethodGet, u.RequestURI(), testAccessToken, nil)
		require.Equal(t, 200, resp.StatusCode, out)
		pages++
		for _, d := range out["data"].([]any) {
			got = append(got, d.(map[string]any)["name"].(string))
		}
		paging := out["paging"].(map[string]any)
		cursors := paging["cursors"].(map[string]any)
		require.NotEmpty(t, cursors["before"])
		require.NotEmpty(t, cursors["after"])
		next, _ = paging["next"].(string)
	}
	require.Equal(t, want, got)
	require.Equal(t, (len(want)+2)/3, pages, "pages of 3")

	// Default limit (25) returns everything with no next; items serialise like Meta's.
	resp, out := e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+DefaultWABAID+"/message_templates", testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode)
	require.NotContains(t, out["paging"].(map[string]any), "next")
	first := out["data"].([]any)[0].(map[string]any)
	require.Equal(t, "appointment_confirmation", first["name"])
	require.Equal(t, "pt_BR", first["language"])
	require.Equal(t, "UTILITY", first["category"])
	require.Equal(t, "APPROVED", first["status"])
	require.Equal(t, "POSITIONAL", first["parameter_format"])
	body := first["components"].([]any)[0].(map[string]any)
	require.Equal(t, "BODY", body["type"])
	require.Equal(t, "Olá {{1}}, seu compromisso com {{2}} está confirmado para {{3}}. Local: {{4}}", body["text"])

	// Filters and fields.
	_, out = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+DefaultWABAID+"/message_templates?status=approved&fields=name,status", testAccessToken, nil)
	data := out["data"].([]any)
	require.Len(t, data, 8)
	for _, d := range data {
		require.Len(t, d.(map[string]any), 3) // id, name, status
		require.Equal(t, "APPROVED", d.(map[string]any)["status"])
	}
	_, out = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+DefaultWABAID+"/message_templates?name=promo", testAccessToken, nil)
	require.Len(t, out["data"].([]any), 1)

	resp, out = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+DefaultWABAID+"/message_templates?after=garbage", testAccessToken, nil)
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, 100, graphErr(t, resp, out).code)
}
