package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The sandbox's well-known values (see apptest.Start); its secrets are
// random per installation (sandboxSecrets).
const (
	sandboxWABA = "100000000000001"
	senderA     = "100000000000011"
	senderB     = "100000000000012"
)

// each runs fn once per dialect, in parallel, on a fresh zapflow.
func each(t *testing.T, fn func(t *testing.T, env *apptest.Env)) {
	t.Helper()
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			env := apptest.Start(t, d)
			// Runs before the app stops: a keep-alive connection the client
			// dialed but never used would hold the server's graceful
			// shutdown for 5 s (net/http treats it as active until then).
			t.Cleanup(http.DefaultClient.CloseIdleConnections)
			fn(t, env)
		})
	}
}

// call sends a request with the given API key ("" = no Authorization
// header) and a raw body, and returns the status and body.
func call(t *testing.T, env *apptest.Env, key, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, env.URL+path, rd)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// requireError asserts an answer in the one error shape, with the
// status and code, and returns it.
func requireError(t *testing.T, wantStatus int, wantCode string, status int, body string) apiError {
	t.Helper()
	require.Equal(t, wantStatus, status, "body: %s", body)
	var e apiError
	require.NoError(t, json.Unmarshal([]byte(body), &e), "body: %s", body)
	require.Equal(t, wantCode, e.Error.Code, "body: %s", body)
	require.NotEmpty(t, e.Error.Message, "body: %s", body)
	return e
}

// doError calls the API with the admin key and asserts an error answer.
func doError(t *testing.T, env *apptest.Env, method, path, body string, wantStatus int, wantCode string) apiError {
	t.Helper()
	status, raw := call(t, env, env.APIKey, method, path, body)
	return requireError(t, wantStatus, wantCode, status, raw)
}

func TestAPIAuth(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		status, body := call(t, env, "", http.MethodGet, "/api/v1/senders", "")
		requireError(t, http.StatusUnauthorized, "missing_api_key", status, body)

		req, err := http.NewRequest(http.MethodGet, env.URL+"/api/v1/senders", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		requireError(t, http.StatusUnauthorized, "missing_api_key", resp.StatusCode, string(raw))

		for _, bad := range []string{"zf_not-a-real-key", "not-even-ours", env.APIKey + "x"} {
			status, body = call(t, env, bad, http.MethodGet, "/api/v1/senders", "")
			requireError(t, http.StatusUnauthorized, "invalid_api_key", status, body)
		}
		// Every API route checks the key, the admin-only ones too.
		status, body = call(t, env, "zf_nope", http.MethodPost, "/api/v1/accounts", `{}`)
		requireError(t, http.StatusUnauthorized, "invalid_api_key", status, body)

		// An agent's key reads, but cannot administer.
		ctx := context.Background()
		u, err := env.App.Agents.CreateUser(ctx, "agent@example.com", "Agent", agent.RoleAgent, "agent-password")
		require.NoError(t, err)
		_, agentKey, err := env.App.Agents.CreateAPIKey(ctx, "agent key", u.ID)
		require.NoError(t, err)

		status, body = call(t, env, agentKey, http.MethodGet, "/api/v1/senders", "")
		require.Equal(t, http.StatusOK, status, body)
		status, body = call(t, env, agentKey, http.MethodGet, "/api/v1/accounts", "")
		require.Equal(t, http.StatusOK, status, body)
		for _, c := range []struct{ method, path, body string }{
			{http.MethodPost, "/api/v1/accounts", `{"name":"x"}`},
			{http.MethodPatch, "/api/v1/accounts/1", `{"name":"x"}`},
			{http.MethodDelete, "/api/v1/accounts/1", ""},
			{http.MethodPatch, "/api/v1/senders/1", `{"rate_limit":5}`},
			{http.MethodPost, "/api/v1/senders/1/check", ""},
			{http.MethodPost, "/api/v1/accounts/1/templates/sync", ""},
		} {
			status, body = call(t, env, agentKey, c.method, c.path, c.body)
			requireError(t, http.StatusForbidden, "forbidden", status, body)
		}
		// Nothing changed.
		var acc struct {
			Name string `json:"name"`
		}
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/accounts/1", nil, &acc))
		require.Equal(t, "Sandbox", acc.Name)
	})
}

// sandboxSecrets are the app secret, access token and verify token of
// env's sandbox.
func sandboxSecrets(env *apptest.Env) []string {
	c := env.App.Sandbox.Config()
	return []string{c.AppSecret, c.AccessToken, c.VerifyToken}
}

type accountView struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	WABAID         string `json:"waba_id"`
	GraphURL       string `json:"graph_url"`
	Sandbox        bool   `json:"sandbox"`
	WebhookURL     string `json:"webhook_url"`
	HasAccessToken bool   `json:"has_access_token"`
	HasAppSecret   bool   `json:"has_app_secret"`
	HasVerifyToken bool   `json:"has_verify_token"`
}

func TestAPIAccounts(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		status, raw := call(t, env, env.APIKey, http.MethodGet, "/api/v1/accounts", "")
		require.Equal(t, http.StatusOK, status, raw)
		for _, secret := range sandboxSecrets(env) {
			require.NotContains(t, raw, secret)
		}
		var list struct {
			Accounts []accountView `json:"accounts"`
		}
		require.NoError(t, json.Unmarshal([]byte(raw), &list))
		require.Len(t, list.Accounts, 1)
		sb := list.Accounts[0]
		require.EqualValues(t, 1, sb.ID)
		require.Equal(t, sandboxWABA, sb.WABAID)
		require.True(t, sb.Sandbox)
		require.Equal(t, env.URL+"/webhooks/whatsapp/1", sb.WebhookURL)
		require.True(t, sb.HasAppSecret)
		require.True(t, sb.HasAccessToken)
		require.True(t, sb.HasVerifyToken)

		status, raw = call(t, env, env.APIKey, http.MethodGet, "/api/v1/accounts/1", "")
		require.Equal(t, http.StatusOK, status, raw)
		for _, secret := range sandboxSecrets(env) {
			require.NotContains(t, raw, secret)
		}

		// Validation names the field.
		valid := map[string]string{
			"name": "Loja", "waba_id": "999", "access_token": "real-token-1", "app_secret": "real-secret-1",
			"verify_token": "real-verify-1", "graph_url": env.URL + "/sandbox/graph",
		}
		for _, missing := range []string{"name", "waba_id", "access_token", "app_secret", "verify_token"} {
			in := map[string]string{}
			for k, v := range valid {
				if k != missing {
					in[k] = v
				}
			}
			b, _ := json.Marshal(in)
			e := doError(t, env, http.MethodPost, "/api/v1/accounts", string(b), http.StatusUnprocessableEntity, "invalid_account")
			require.Equal(t, missing, e.Error.Field)
		}
		e := doError(t, env, http.MethodPost, "/api/v1/accounts", `{"name":"x","waba_id":"12ab"}`, http.StatusUnprocessableEntity, "invalid_account")
		require.Equal(t, "waba_id", e.Error.Field)
		b, _ := json.Marshal(map[string]string{"name": "x", "waba_id": "1", "access_token": "t", "app_secret": "s", "verify_token": "v", "graph_url": "ftp://x"})
		e = doError(t, env, http.MethodPost, "/api/v1/accounts", string(b), http.StatusUnprocessableEntity, "invalid_account")
		require.Equal(t, "graph_url", e.Error.Field)

		// Malformed bodies.
		doError(t, env, http.MethodPost, "/api/v1/accounts", `{"nme":"typo"}`, http.StatusBadRequest, "invalid_json")
		doError(t, env, http.MethodPost, "/api/v1/accounts", `{"name":`, http.StatusBadRequest, "invalid_json")
		doError(t, env, http.MethodPost, "/api/v1/accounts", `{"name": 5}`, http.StatusBadRequest, "invalid_json")
		doError(t, env, http.MethodPost, "/api/v1/accounts", `{"name":"`+strings.Repeat("x", 1<<20)+`"}`, http.StatusRequestEntityTooLarge, "body_too_large")

		// Create, conflict, update, delete.
		var created accountView
		require.Equal(t, http.StatusCreated, env.Do(http.MethodPost, "/api/v1/accounts", valid, &created))
		require.NotZero(t, created.ID)
		require.Equal(t, "Loja", created.Name)
		require.Equal(t, "999", created.WABAID)
		require.False(t, created.Sandbox)
		require.True(t, created.HasAppSecret)
		require.Equal(t, env.URL+"/webhooks/whatsapp/"+strconv.FormatInt(created.ID, 10), created.WebhookURL)
		path := "/api/v1/accounts/" + strconv.FormatInt(created.ID, 10)

		b, _ = json.Marshal(valid)
		e = doError(t, env, http.MethodPost, "/api/v1/accounts", string(b), http.StatusConflict, "account_exists")
		require.Equal(t, "waba_id", e.Error.Field)

		var updated accountView
		require.Equal(t, http.StatusOK, env.Do(http.MethodPatch, path, map[string]string{"name": "Loja Centro"}, &updated))
		require.Equal(t, "Loja Centro", updated.Name)
		require.Equal(t, "999", updated.WABAID)
		require.True(t, updated.HasAppSecret, "a PATCH without secrets keeps them")
		// Moving onto the sandbox's WABA conflicts.
		e = doError(t, env, http.MethodPatch, path, `{"waba_id":"`+sandboxWABA+`"}`, http.StatusConflict, "account_exists")
		require.Equal(t, "waba_id", e.Error.Field)
		e = doError(t, env, http.MethodPatch, path, `{"name":"  "}`, http.StatusUnprocessableEntity, "invalid_account")
		require.Equal(t, "name", e.Error.Field)

		status, raw = call(t, env, env.APIKey, http.MethodGet, "/api/v1/accounts", "")
		require.Equal(t, http.StatusOK, status)
		for _, secret := range []string{"real-token-1", "real-secret-1", "real-verify-1"} {
			require.NotContains(t, raw, secret)
		}
		require.NoError(t, json.Unmarshal([]byte(raw), &list))
		require.Len(t, list.Accounts, 2)

		status, raw = call(t, env, env.APIKey, http.MethodDelete, path, "")
		require.Equal(t, http.StatusNoContent, status, raw)
		require.Empty(t, raw)
		doError(t, env, http.MethodGet, path, "", http.StatusNotFound, "not_found")
		doError(t, env, http.MethodDelete, path, "", http.StatusNotFound, "not_found")
		doError(t, env, http.MethodPatch, path, `{"name":"x"}`, http.StatusNotFound, "not_found")
		doError(t, env, http.MethodGet, "/api/v1/accounts/abc", "", http.StatusUnprocessableEntity, "invalid_id")
		doError(t, env, http.MethodGet, "/api/v1/accounts/0", "", http.StatusUnprocessableEntity, "invalid_id")
	})
}

type senderView struct {
	ID            int64  `json:"id"`
	AccountID     int64  `json:"account_id"`
	PhoneNumberID string `json:"phone_number_id"`
	Status        string `json:"status"`
	RateLimit     int    `json:"rate_limit"`
	Online        bool   `json:"online"`
	CheckError    string `json:"check_error"`
}

func senders(t *testing.T, env *apptest.Env, path string) map[string]senderView {
	t.Helper()
	var out struct {
		Senders []senderView `json:"senders"`
	}
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, path, nil, &out))
	m := map[string]senderView{}
	for _, s := range out.Senders {
		m[s.PhoneNumberID] = s
	}
	require.Len(t, m, len(out.Senders))
	return m
}

func TestAPISenders(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		list := senders(t, env, "/api/v1/senders")
		require.Len(t, list, 2)
		for _, id := range []string{senderA, senderB} {
			s, ok := list[id]
			require.True(t, ok, "sender %s listed", id)
			require.True(t, s.Online, id)
			require.Equal(t, "CONNECTED", s.Status)
			require.EqualValues(t, 1, s.AccountID)
		}
		require.Len(t, senders(t, env, "/api/v1/accounts/1/senders"), 2)
		require.Len(t, senders(t, env, "/api/v1/senders?account_id=1"), 2)
		require.Empty(t, senders(t, env, "/api/v1/senders?account_id=42"))
		doError(t, env, http.MethodGet, "/api/v1/accounts/42/senders", "", http.StatusNotFound, "not_found")
		doError(t, env, http.MethodGet, "/api/v1/senders?account_id=x", "", http.StatusUnprocessableEntity, "invalid_query")

		// A number the Cloud API does not know is refused with Meta's words.
		e := doError(t, env, http.MethodPost, "/api/v1/accounts/1/senders", `{"phone_number_id":"123"}`, http.StatusUnprocessableEntity, "not_found_at_meta")
		require.Contains(t, e.Error.Message, "123")
		e = doError(t, env, http.MethodPost, "/api/v1/accounts/1/senders", `{"phone_number_id":"+55 11 4000-0001"}`, http.StatusUnprocessableEntity, "invalid_sender")
		require.Equal(t, "phone_number_id", e.Error.Field)
		doError(t, env, http.MethodPost, "/api/v1/accounts/1/senders", `{"phone_number_id":"`+senderA+`"}`, http.StatusConflict, "sender_exists")
		doError(t, env, http.MethodPost, "/api/v1/accounts/42/senders", `{"phone_number_id":"123"}`, http.StatusNotFound, "not_found")
		require.Len(t, senders(t, env, "/api/v1/senders"), 2)

		a, b := list[senderA], list[senderB]
		pathA := "/api/v1/senders/" + strconv.FormatInt(a.ID, 10)
		pathB := "/api/v1/senders/" + strconv.FormatInt(b.ID, 10)

		var s senderView
		require.Equal(t, http.StatusOK, env.Do(http.MethodPatch, pathA, map[string]int{"rate_limit": 50}, &s))
		require.Equal(t, 50, s.RateLimit)
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, pathA, nil, &s))
		require.Equal(t, 50, s.RateLimit)
		for _, bad := range []string{"0", "-1", "1001"} {
			e = doError(t, env, http.MethodPatch, pathA, `{"rate_limit":`+bad+`}`, http.StatusUnprocessableEntity, "invalid_sender")
			require.Equal(t, "rate_limit", e.Error.Field)
		}
		doError(t, env, http.MethodPatch, pathA, `{"phone_number_id":"555"}`, http.StatusUnprocessableEntity, "invalid_sender")
		doError(t, env, http.MethodPatch, pathA, `{"rate":5}`, http.StatusBadRequest, "invalid_json")
		doError(t, env, http.MethodPatch, "/api/v1/senders/999", `{"rate_limit":5}`, http.StatusNotFound, "not_found")
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, pathA, nil, &s))
		require.Equal(t, 50, s.RateLimit)

		// A check reads the number from the Cloud API now.
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, pathB+"/check", nil, &s))
		require.Equal(t, "CONNECTED", s.Status)
		require.True(t, s.Online)
		require.Empty(t, s.CheckError)

		env.App.Sandbox.SetSenderStatus(senderB, "DISCONNECTED")
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, pathB+"/check", nil, &s))
		require.Equal(t, "DISCONNECTED", s.Status)
		require.False(t, s.Online)
		list = senders(t, env, "/api/v1/senders")
		require.False(t, list[senderB].Online)
		require.True(t, list[senderA].Online)
		doError(t, env, http.MethodPost, "/api/v1/senders/999/check", "", http.StatusNotFound, "not_found")

		// Delete.
		status, raw := call(t, env, env.APIKey, http.MethodDelete, pathB, "")
		require.Equal(t, http.StatusNoContent, status, raw)
		doError(t, env, http.MethodGet, pathB, "", http.StatusNotFound, "not_found")
		require.Len(t, senders(t, env, "/api/v1/senders"), 1)
	})
}

type templateView struct {
	Name         string   `json:"name"`
	Language     string   `json:"language"`
	Status       string   `json:"status"`
	MetaID       string   `json:"meta_id"`
	Placeholders []string `json:"placeholders"`
}

func templates(t *testing.T, env *apptest.Env, query string) []templateView {
	t.Helper()
	var out struct {
		Templates []templateView `json:"templates"`
	}
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/templates"+query, nil, &out))
	require.NotNil(t, out.Templates, "templates is a list, never null")
	return out.Templates
}

func TestAPITemplates(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		env.Eventually(func() bool { return len(templates(t, env, "")) > 0 }, "initial template sync")

		approved := templates(t, env, "?status=APPROVED")
		var found *templateView
		for i, tpl := range approved {
			require.Equal(t, "APPROVED", tpl.Status)
			if tpl.Name == "appointment_confirmation" {
				found = &approved[i]
			}
		}
		require.NotNil(t, found, "appointment_confirmation is listed")
		require.Equal(t, []string{"1", "2", "3", "4"}, found.Placeholders)
		require.Equal(t, "pt_BR", found.Language)
		require.NotEmpty(t, found.MetaID)
		// The filter is case-insensitive and really filters.
		require.Len(t, templates(t, env, "?status=approved"), len(approved))
		all := templates(t, env, "")
		require.Greater(t, len(all), len(approved), "the sandbox also has non-approved templates")
		require.Len(t, templates(t, env, "?name=appointment_confirmation"), 1)
		require.Empty(t, templates(t, env, "?name=nope"))
		require.Len(t, templates(t, env, "?account_id=1"), len(all))
		require.Empty(t, templates(t, env, "?account_id=42"))
		doError(t, env, http.MethodGet, "/api/v1/templates?account_id=-1", "", http.StatusUnprocessableEntity, "invalid_query")

		var sync struct {
			Synced    int            `json:"synced"`
			Templates []templateView `json:"templates"`
		}
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/accounts/1/templates/sync", nil, &sync))
		require.Greater(t, sync.Synced, 0)
		require.Len(t, sync.Templates, sync.Synced)
		require.Len(t, templates(t, env, ""), len(all), "a second sync adds nothing")
		doError(t, env, http.MethodPost, "/api/v1/accounts/42/templates/sync", "", http.StatusNotFound, "not_found")
	})
}

type conversationView struct {
	ID           int64  `json:"id"`
	SenderID     int64  `json:"sender_id"`
	ContactPhone string `json:"contact_phone"`
	WindowOpen   bool   `json:"window_open"`
	Messages     []struct {
		Summary string `json:"summary"`
	} `json:"messages"`
}

type conversationPage struct {
	Conversations []conversationView `json:"conversations"`
	NextCursor    string             `json:"next_cursor"`
}

func TestAPIConversations(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		var page conversationPage
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations", nil, &page))
		require.NotNil(t, page.Conversations, "an empty list, not null")
		require.Empty(t, page.Conversations)

		phones := []string{"+5511988887771", "+5511988887772", "+5511988887773"}
		for _, p := range phones {
			_, err := env.App.Sandbox.CustomerWrites(senderA, p, "Cliente", "Oi")
			require.NoError(t, err)
		}
		env.Eventually(func() bool {
			require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations", nil, &page))
			return len(page.Conversations) == len(phones)
		}, "three conversations")

		// A phone filter: "+" must be escaped in a query string.
		q := "/api/v1/conversations?phone=" + url.QueryEscape(phones[1])
		require.Contains(t, q, "%2B")
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, q, nil, &page))
		require.Len(t, page.Conversations, 1)
		require.Equal(t, phones[1], page.Conversations[0].ContactPhone)
		require.True(t, page.Conversations[0].WindowOpen)
		// Other spellings of the same number are normalised.
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations?phone="+url.QueryEscape("+55 (11) 98888-7772"), nil, &page))
		require.Len(t, page.Conversations, 1)
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations?phone=%2B5511977776666", nil, &page))
		require.Empty(t, page.Conversations)

		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations?window_open=true", nil, &page))
		require.Len(t, page.Conversations, 3)
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations?window_open=false", nil, &page))
		require.Empty(t, page.Conversations)

		// Paging with the cursor visits each conversation once.
		seen := map[int64]bool{}
		cursor := ""
		for range 5 {
			path := "/api/v1/conversations?limit=2"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			page = conversationPage{} // next_cursor is omitted on the last page
			require.Equal(t, http.StatusOK, env.Do(http.MethodGet, path, nil, &page))
			require.LessOrEqual(t, len(page.Conversations), 2)
			for _, c := range page.Conversations {
				require.False(t, seen[c.ID], "conversation %d on two pages", c.ID)
				seen[c.ID] = true
			}
			cursor = page.NextCursor
			if cursor == "" {
				break
			}
		}
		require.Len(t, seen, 3)

		var one conversationView
		id := strconv.FormatInt(page.Conversations[0].ID, 10)
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations/"+id, nil, &one))
		require.Len(t, one.Messages, 1)
		require.Equal(t, "Oi", one.Messages[0].Summary)

		e := doError(t, env, http.MethodGet, "/api/v1/conversations?phone=abc", "", http.StatusUnprocessableEntity, "invalid_phone")
		require.Equal(t, "phone", e.Error.Field)
		doError(t, env, http.MethodGet, "/api/v1/conversations?phone=5511988887771", "", http.StatusUnprocessableEntity, "invalid_phone")
		e = doError(t, env, http.MethodGet, "/api/v1/conversations?window_open=maybe", "", http.StatusUnprocessableEntity, "invalid_query")
		require.Equal(t, "window_open", e.Error.Field)
		doError(t, env, http.MethodGet, "/api/v1/conversations?limit=-1", "", http.StatusUnprocessableEntity, "invalid_query")
		doError(t, env, http.MethodGet, "/api/v1/conversations?sender_id=x", "", http.StatusUnprocessableEntity, "invalid_query")
		for _, bad := range []string{"bad", "1.x", "x.1", "."} {
			e = doError(t, env, http.MethodGet, "/api/v1/conversations?cursor="+url.QueryEscape(bad), "", http.StatusUnprocessableEntity, "invalid_cursor")
			require.Equal(t, "cursor", e.Error.Field)
		}
		doError(t, env, http.MethodGet, "/api/v1/conversations/999999", "", http.StatusNotFound, "not_found")
		doError(t, env, http.MethodGet, "/api/v1/conversations/abc", "", http.StatusUnprocessableEntity, "invalid_id")
	})
}

func TestAPIPublicEndpoints(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, "/api/v1/nope"},
			{http.MethodPost, "/api/v1/nope"},
			{http.MethodGet, "/api/v2/accounts"},
			{http.MethodPut, "/api/v1/accounts"},
		} {
			status, body := call(t, env, env.APIKey, c.method, c.path, "")
			requireError(t, http.StatusNotFound, "no_such_endpoint", status, body)
		}
		// Unknown endpoints answer the same with or without a key.
		status, body := call(t, env, "", http.MethodGet, "/api/v1/nope", "")
		requireError(t, http.StatusNotFound, "no_such_endpoint", status, body)

		status, body = call(t, env, "", http.MethodGet, "/healthz", "")
		require.Equal(t, http.StatusOK, status, body)
		var health map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &health))
		require.Equal(t, "ok", health["status"])

		status, body = call(t, env, "", http.MethodGet, "/api/openapi.json", "")
		require.Equal(t, http.StatusOK, status)
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &doc))
		require.Contains(t, doc, "openapi")
		require.Contains(t, doc, "paths")

		status, body = call(t, env, "", http.MethodGet, "/", "")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "zapflow")
	})
}

// TestAPIErrorsNeverLeakInternals sends inputs that reach the database in
// odd shapes; whatever the answer, a 500 must be the generic one.
func TestAPIErrorsNeverLeakInternals(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		paths := []string{
			"/api/v1/templates?name=%FF%FE",
			"/api/v1/templates?status=%00",
			"/api/v1/templates?account_id=9223372036854775807",
			"/api/v1/senders?account_id=9223372036854775807",
			"/api/v1/accounts/9223372036854775807",
			"/api/v1/accounts/9223372036854775808",
			"/api/v1/conversations?cursor=9223372036854775807.9223372036854775807",
			"/api/v1/conversations?limit=9223372036854775807",
			"/api/v1/conversations?phone=%2B55119%FF",
			"/api/v1/contacts?offset=9223372036854775807",
		}
		for _, p := range paths {
			status, body := call(t, env, env.APIKey, http.MethodGet, p, "")
			require.Less(t, status, 600, p)
			if status == http.StatusInternalServerError {
				e := requireError(t, http.StatusInternalServerError, "internal_error", status, body)
				require.Equal(t, "something went wrong on our side; it was logged", e.Error.Message, p)
			}
			for _, leak := range []string{"SQLSTATE", "sql:", "sqlite", "pgx", "goroutine", ".go:"} {
				require.NotContains(t, strings.ToLower(body), strings.ToLower(leak), "%s leaks: %s", p, body)
			}
		}
		// Large accepted inputs do not crash the JSON decoder either.
		status, body := call(t, env, env.APIKey, http.MethodPost, "/api/v1/accounts", `{"name":"`+strings.Repeat("é", 1000)+`","waba_id":"1","access_token":"t","app_secret":"s","verify_token":"v","graph_url":"http://x"}`)
		require.Equal(t, http.StatusCreated, status, body)
		require.True(t, bytes.Contains([]byte(body), []byte("é")))
	})
}
