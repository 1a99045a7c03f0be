package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/netguard"
)

const testToken = "EAAJBtest-token"

// graphServer starts an httptest server whose handler checks the Bearer
// token on every request before calling h.
func graphServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"bad token in test","code":190}}`)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGetPhoneNumber(t *testing.T) {
	t.Parallel()
	srv := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v23.0/106540352242922" ||
			r.URL.Query().Get("fields") != phoneNumberFields || len(r.URL.Query()) != 1 {
			http.Error(w, "unexpected request "+r.Method+" "+r.URL.String(), http.StatusTeapot)
			return
		}
		_, _ = io.WriteString(w, `{"verified_name":"Lucky Shrub","code_verification_status":"VERIFIED",
			"display_phone_number":"15550783881","quality_rating":"GREEN","platform_type":"CLOUD_API",
			"status":"CONNECTED","throughput":{"level":"STANDARD"},
			"whatsapp_business_manager_messaging_limit":"TIER_250","id":"106540352242922"}`)
	})
	got, err := NewClient(srv.URL+"/", "v23.0", srv.Client()).GetPhoneNumber(context.Background(), testToken, "106540352242922")
	require.NoError(t, err)
	require.Equal(t, PhoneNumber{ID: "106540352242922", DisplayPhoneNumber: "15550783881",
		VerifiedName: "Lucky Shrub", QualityRating: "GREEN", Status: "CONNECTED",
		CodeVerificationStatus: "VERIFIED", ThroughputLevel: "STANDARD", MessagingLimitTier: "TIER_250"}, got)
}

func TestGetPhoneNumberUnknownID(t *testing.T) {
	t.Parallel()
	srv := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"message":"Unsupported get request. Object with ID '999' does not exist, cannot be loaded due to missing permissions, or does not support this operation.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"AbC123"}}`)
	})
	_, err := NewClient(srv.URL, "v23.0", srv.Client()).GetPhoneNumber(context.Background(), testToken, "999")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 100, apiErr.Code)
	require.Equal(t, 33, apiErr.Subcode)
	require.Equal(t, "GraphMethodException", apiErr.Type)
	require.Equal(t, http.StatusBadRequest, apiErr.HTTPStatus)
}

func TestListTemplatesFollowsPaging(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var srv *httptest.Server
	srv = graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		if r.Method != http.MethodGet || r.URL.Path != "/v23.0/102290129340398/message_templates" ||
			q.Get("limit") != "100" || q.Get("fields") != templateFields {
			http.Error(w, "unexpected request "+r.URL.String(), http.StatusTeapot)
			return
		}
		switch q.Get("after") {
		case "":
			next := srv.URL + "/v23.0/102290129340398/message_templates?" + q.Encode() + "&after=QVFIUpage2"
			_, _ = fmt.Fprintf(w, `{"data":[{"name":"order_update","parameter_format":"POSITIONAL",
				"components":[{"type":"BODY","text":"Order {{1}} ships {{2}}"}],"language":"en_US",
				"status":"APPROVED","category":"UTILITY","id":"111"}],
				"paging":{"cursors":{"before":"QVFIUa","after":"QVFIUpage2"},"next":%q}}`, next)
		case "QVFIUpage2":
			_, _ = io.WriteString(w, `{"data":[{"name":"welcome","parameter_format":"NAMED",
				"components":[{"type":"BODY","text":"Hi {{first_name}}"}],"language":"de",
				"status":"PAUSED","category":"MARKETING","id":"222"}],
				"paging":{"cursors":{"before":"QVFIUb","after":"QVFIUc"}}}`)
		default:
			http.Error(w, "unknown cursor", http.StatusTeapot)
		}
	})
	got, err := NewClient(srv.URL, "v23.0", srv.Client()).ListTemplates(context.Background(), testToken, "102290129340398")
	require.NoError(t, err)
	require.Equal(t, int32(2), calls.Load())
	require.Equal(t, []Template{
		{ID: "111", Name: "order_update", Language: "en_US", Category: "UTILITY", Status: "APPROVED",
			ParameterFormat: "POSITIONAL", Components: json.RawMessage(`[{"type":"BODY","text":"Order {{1}} ships {{2}}"}]`)},
		{ID: "222", Name: "welcome", Language: "de", Category: "MARKETING", Status: "PAUSED",
			ParameterFormat: "NAMED", Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{first_name}}"}]`)},
	}, compactTemplates(t, got))
}

// compactTemplates compacts Components so expectations need not repeat
// the server's whitespace.
func compactTemplates(t *testing.T, ts []Template) []Template {
	t.Helper()
	for i := range ts {
		var buf bytes.Buffer
		require.NoError(t, json.Compact(&buf, ts[i].Components))
		ts[i].Components = buf.Bytes()
	}
	return ts
}

func TestListTemplatesRefusesForeignPagingLink(t *testing.T) {
	t.Parallel()
	srv := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"data":[{"id":"1","name":"a","language":"en"}],"paging":{"next":"https://attacker.example/v23.0/1/message_templates?after=x"}}`)
	})
	got, err := NewClient(srv.URL, "v23.0", srv.Client()).ListTemplates(context.Background(), testToken, "1")
	require.ErrorContains(t, err, "paging link leaves the Graph API host")
	require.Nil(t, got)
}

func TestListTemplatesStopsAfterMaxPages(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var srv *httptest.Server
	srv = graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		_, _ = fmt.Fprintf(w, `{"data":[{"id":"%d"}],"paging":{"next":"%s/v23.0/1/message_templates?after=%d"}}`, n, srv.URL, n)
	})
	got, err := NewClient(srv.URL, "v23.0", srv.Client()).ListTemplates(context.Background(), testToken, "1")
	require.ErrorContains(t, err, "more than 50 pages")
	require.Nil(t, got)
	require.Equal(t, int32(maxTemplatePages), calls.Load())
}

func TestListTemplatesEmpty(t *testing.T) {
	t.Parallel()
	srv := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"data":[]}`)
	})
	got, err := NewClient(srv.URL, "v23.0", srv.Client()).ListTemplates(context.Background(), testToken, "1")
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)
}

func TestSendMessage(t *testing.T) {
	t.Parallel()
	payload := map[string]any{
		"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+16505551234",
		"type": "text", "text": map[string]any{"preview_url": false, "body": "Hällo & welcome"},
	}
	wantBody, err := json.Marshal(payload)
	require.NoError(t, err)
	srv := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/v23.0/106540352242922/messages" ||
			r.URL.RawQuery != "" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "unexpected request "+r.Method+" "+r.URL.String(), http.StatusTeapot)
			return
		}
		var got, want any
		if json.Unmarshal(body, &got) != nil || json.Unmarshal(wantBody, &want) != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			http.Error(w, "unexpected body "+string(body), http.StatusTeapot)
			return
		}
		_, _ = io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],
			"messages":[{"id":"wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA","message_status":"accepted"}]}`)
	})
	c := NewClient(srv.URL, "v23.0", srv.Client())
	want := SendResult{WAMID: "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA", WAID: "16505551234", MessageStatus: "accepted"}
	for _, p := range []any{payload, json.RawMessage(wantBody), wantBody} {
		got, err := c.SendMessage(context.Background(), testToken, "106540352242922", p)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func TestSendMessageRejectsBadInput(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.WriteString(w, `{"messages":[{"id":"wamid.x"}]}`)
	})
	ctx := context.Background()
	tests := []struct {
		name    string
		client  *Client
		token   string
		phoneID string
		payload any
		want    string
	}{
		{"nil payload", NewClient(srv.URL, "v23.0", srv.Client()), testToken, "1", nil, "nil message payload"},
		{"invalid raw JSON", NewClient(srv.URL, "v23.0", srv.Client()), testToken, "1", json.RawMessage(`{"to":`), "not a JSON object"},
		{"JSON array", NewClient(srv.URL, "v23.0", srv.Client()), testToken, "1", []int{1}, "not a JSON object"},
		{"unencodable", NewClient(srv.URL, "v23.0", srv.Client()), testToken, "1", map[string]any{"f": func() {}}, "encode message payload"},
		{"empty phone id", NewClient(srv.URL, "v23.0", srv.Client()), testToken, "", map[string]any{}, "invalid id"},
		{"dot-dot phone id", NewClient(srv.URL, "v23.0", srv.Client()), testToken, "..", map[string]any{}, "invalid id"},
		{"empty token", NewClient(srv.URL, "v23.0", srv.Client()), "", "1", map[string]any{}, "empty access token"},
		{"bad base URL", NewClient("graph.facebook.com", "v23.0", nil), testToken, "1", map[string]any{}, "no valid base URL"},
		{"no version", NewClient(srv.URL, "", srv.Client()), testToken, "1", map[string]any{}, "no API version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.SendMessage(ctx, tt.token, tt.phoneID, tt.payload)
			require.ErrorContains(t, err, tt.want)
		})
	}
	require.Equal(t, int32(0), calls.Load(), "no request may be sent for invalid input")
}

func TestSendMessageWithoutMessageID(t *testing.T) {
	t.Parallel()
	srv := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"success":true}`)
	})
	_, err := NewClient(srv.URL, "v23.0", srv.Client()).SendMessage(context.Background(), testToken, "1", map[string]any{"to": "1"})
	require.ErrorContains(t, err, "no message id")
	var apiErr *APIError
	require.False(t, errors.As(err, &apiErr))
}

func TestAPIErrorDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   APIError
	}{
		{"object error_data", http.StatusBadRequest,
			`{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"error_subcode":2494055,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."},"error_user_title":"Slow down","error_user_msg":"Try later","is_transient":false,"fbtrace_id":"A4O5a8RAgePwbcGSu"}}`,
			APIError{HTTPStatus: 400, Code: 131056, Subcode: 2494055, Type: "OAuthException",
				Message:   "(#131056) (Business Account, Consumer Account) pair rate limit hit",
				Title:     "(Business Account, Consumer Account) pair rate limit hit",
				Details:   "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
				UserTitle: "Slow down", UserMsg: "Try later", FBTraceID: "A4O5a8RAgePwbcGSu"}},
		{"string error_data", http.StatusBadRequest,
			`{"error":{"message":"Invalid parameter","type":"OAuthException","code":100,"error_subcode":2388024,"is_transient":false,"error_user_title":"Content in this language already exists","error_data":"Content in English (US) already exists for this template.","fbtrace_id":"AyX"}}`,
			APIError{HTTPStatus: 400, Code: 100, Subcode: 2388024, Type: "OAuthException", Message: "Invalid parameter",
				Title: "Invalid parameter", Details: "Content in English (US) already exists for this template.",
				UserTitle: "Content in this language already exists", FBTraceID: "AyX"}},
		{"JSON-encoded string error_data", http.StatusBadRequest,
			`{"error":{"message":"(#132001) Template name does not exist in the translation","code":132001,"error_data":"{\"messaging_product\":\"whatsapp\",\"details\":\"template name (x) does not exist in en_US\"}"}}`,
			APIError{HTTPStatus: 400, Code: 132001, Message: "(#132001) Template name does not exist in the translation",
				Title: "Template name does not exist in the translation", Details: "template name (x) does not exist in en_US"}},
		{"non-JSON 502", http.StatusBadGateway,
			"<html><body><h1>502 Bad Gateway</h1></body></html>\n",
			APIError{HTTPStatus: 502, Message: "<html><body><h1>502 Bad Gateway</h1></body></html>"}},
		{"empty 503", http.StatusServiceUnavailable, "", APIError{HTTPStatus: 503}},
		{"error as plain string", http.StatusForbidden, `{"error":"forbidden by proxy"}`,
			APIError{HTTPStatus: 403, Message: "forbidden by proxy"}},
		{"codes as strings and transient as string", http.StatusInternalServerError,
			`{"error":{"message":"(#131000) Something went wrong","code":"131000","error_subcode":"7","is_transient":"true","error_data":null}}`,
			APIError{HTTPStatus: 500, Code: 131000, Subcode: 7, Message: "(#131000) Something went wrong",
				Title: "Something went wrong", IsTransient: true}},
		{"fields of odd types are skipped", http.StatusTooManyRequests,
			`{"error":{"message":["x"],"code":{"n":4},"type":7,"is_transient":true}}`,
			APIError{HTTPStatus: 429, Type: "7", IsTransient: true}},
		{"error envelope with 200", http.StatusOK,
			`{"error":{"message":"(#4) Application request limit reached","code":4,"is_transient":true}}`,
			APIError{HTTPStatus: 200, Code: 4, Message: "(#4) Application request limit reached",
				Title: "Application request limit reached", IsTransient: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, err := NewClient(srv.URL, "v23.0", srv.Client()).GetPhoneNumber(context.Background(), testToken, "1")
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tt.want, *apiErr)
		})
	}
}

func TestAPIErrorLongBodySnippet(t *testing.T) {
	t.Parallel()
	body := make([]byte, 0, 1000)
	for len(body) < 1000 {
		body = append(body, "äöü"...)
	}
	e := decodeAPIError(http.StatusBadGateway, body)
	require.Equal(t, 0, e.Code)
	require.LessOrEqual(t, len(e.Message), 260)
	require.Contains(t, e.Message, "…")
	require.True(t, json.Valid([]byte(fmt.Sprintf("%q", e.Message))))
}

func TestAPIErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  APIError
		want string
	}{
		{"full", APIError{HTTPStatus: 400, Code: 131047, Subcode: 2, Message: "(#131047) Re-engagement message",
			Details: "More than 24 hours have passed.", FBTraceID: "Ab"},
			"whatsapp: graph api error (http 400, code 131047, subcode 2): (#131047) Re-engagement message: More than 24 hours have passed. (fbtrace_id Ab)"},
		{"non-JSON", APIError{HTTPStatus: 502, Message: "Bad Gateway"},
			"whatsapp: graph api error (http 502): Bad Gateway"},
		{"details equal to message", APIError{HTTPStatus: 400, Code: 1, Message: "x", Details: "x"},
			"whatsapp: graph api error (http 400, code 1): x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestClientTransportErrorIsNotAPIError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	_, err := NewClient(url, "v23.0", nil).GetPhoneNumber(context.Background(), testToken, "1")
	require.Error(t, err)
	var apiErr *APIError
	require.False(t, errors.As(err, &apiErr))
	require.NotContains(t, err.Error(), testToken)
}

// TestDefaultClientRefusesInternalAddresses shows a Client built without
// an HTTP client still goes through the outbound guard: a Graph URL on
// loopback is refused before any request reaches it.
func TestDefaultClientRefusesInternalAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, err := NewClient(srv.URL, "v23.0", nil).GetPhoneNumber(context.Background(), testToken, "1")
	require.Error(t, err)
	_, denied := netguard.AsDenied(err)
	require.True(t, denied, "refused by the guard: %v", err)
	require.Zero(t, hits.Load())
}
