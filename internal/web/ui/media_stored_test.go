package ui_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/sandbox"
)

// TestSandboxCustomerMediaIsStoredAndServed plays a sandbox customer
// sending a photo, a voice note, a document and a location pin: a job
// fetches each file after its message commits and keeps it by SHA-256;
// the message JSON carries its type, size and hash; the inbox and
// GET /api/v1/messages/{id}/media serve the same bytes with their type;
// with chats restricted to the assigned agent, another agent gets 404
// from both. The pin has no file.
func TestSandboxCustomerMediaIsStoredAndServed(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		supportAgents(t, env, agent.SupportAgentsSettings{RestrictToAssigned: true})
		admin := newMember(t, env, "boss@example.com", agent.RoleAdmin)
		one := newMember(t, env, "one@example.com", agent.RoleAgent)
		two := newMember(t, env, "two@example.com", agent.RoleAgent)
		sb := env.App.Sandbox
		sender := sb.Senders()[0].PhoneNumberID
		const phone = "+5511988887777"
		_, err := sb.CustomerSendsImage(sender, phone, "Ana Cliente", "meu recibo")
		require.NoError(t, err)
		_, err = sb.CustomerSendsVoiceNote(sender, phone, "Ana Cliente")
		require.NoError(t, err)
		_, err = sb.CustomerSendsDocument(sender, phone, "Ana Cliente", sandboxDoc())
		require.NoError(t, err)
		_, err = sb.CustomerSendsLocation(sender, phone, "Ana Cliente", sandboxPin())
		require.NoError(t, err)
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`) == 4 }, "the messages are stored")
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM message_media WHERE status = 'stored'`) == 3 },
			"the three files are fetched")
		require.Equal(t, 0, env.Count(`SELECT COUNT(*) FROM message_media m JOIN messages g ON g.id = m.message_id WHERE g.type = 'location'`))

		var conv int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT conversation_id FROM messages LIMIT 1`).Scan(&conv))
		c := strconv.FormatInt(conv, 10)
		status, _, _ := admin.b.do(http.MethodPost, "/inbox/"+c+"/assign", url.Values{"user_id": {strconv.FormatInt(one.ID, 10)}}, nil)
		require.Equal(t, http.StatusSeeOther, status)

		want := map[string]string{"image": "image/png", "audio": "audio/ogg", "document": "application/pdf"}
		for typ, mime := range want {
			var id int64
			require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id FROM messages WHERE type = ?`, typ).Scan(&id))
			m := strconv.FormatInt(id, 10)

			status, body := one.api(t, env, http.MethodGet, "/api/v1/messages/"+m, nil)
			require.Equal(t, http.StatusOK, status, body)
			var msg messaging.Message
			require.NoError(t, json.Unmarshal([]byte(body), &msg))
			require.NotNil(t, msg.Media, typ)
			require.Equal(t, messaging.MediaStored, msg.Media.Status)
			require.Equal(t, mime, msg.Media.MimeType, typ)
			require.NotContains(t, body, sb.Config().AccessToken)
			require.NotContains(t, body, "lookaside")

			raw, h := memberGet(t, env, one.key, "/api/v1/messages/"+m+"/media")
			require.Equal(t, mime, h.Get("Content-Type"), typ)
			sum := sha256.Sum256(raw)
			require.Equal(t, hex.EncodeToString(sum[:]), msg.Media.SHA256, "the API serves the stored bytes")
			require.EqualValues(t, len(raw), msg.Media.Size)

			status, _, page := one.b.do(http.MethodGet, "/inbox/"+c+"/media/"+m, nil, nil)
			require.Equal(t, http.StatusOK, status, typ)
			require.Equal(t, string(raw), page, "the inbox serves the same bytes")

			status, _ = two.api(t, env, http.MethodGet, "/api/v1/messages/"+m+"/media", nil)
			require.Equal(t, http.StatusNotFound, status, "another agent's chat's media")
			status, _, _ = two.b.do(http.MethodGet, "/inbox/"+c+"/media/"+m, nil, nil)
			require.Equal(t, http.StatusNotFound, status)
		}
		var doc string
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT CAST(id AS TEXT) FROM messages WHERE type = 'document'`).Scan(&doc))
		_, h := memberGet(t, env, one.key, "/api/v1/messages/"+doc+"/media")
		require.Contains(t, h.Get("Content-Disposition"), "nota.pdf")

		var pin string
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT CAST(id AS TEXT) FROM messages WHERE type = 'location'`).Scan(&pin))
		status, body := one.api(t, env, http.MethodGet, "/api/v1/messages/"+pin+"/media", nil)
		require.Equal(t, http.StatusNotFound, status, body)
		status, body = one.api(t, env, http.MethodGet, "/api/v1/messages/"+pin, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `"latitude":-23.5614`)
		require.NotContains(t, body, `"media"`)
	})
}

func sandboxDoc() sandbox.Document {
	return sandbox.Document{Filename: "nota.pdf"}
}

func sandboxPin() sandbox.Location {
	return sandbox.Location{Latitude: -23.5614, Longitude: -46.6559, Name: "Loja Paulista"}
}

// memberGet downloads path with an API key and requires 200.
func memberGet(t *testing.T, env *apptest.Env, key, path string) ([]byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	return raw, resp.Header
}
