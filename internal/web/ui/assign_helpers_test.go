package ui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/settings"
)

// teamMember is a user of the team tests with a logged-in browser and an
// API key of their own.
type teamMember struct {
	agent.User
	b   *browser
	key string
}

func newMember(t *testing.T, env *apptest.Env, email, role string) teamMember {
	t.Helper()
	ctx := context.Background()
	u, err := env.App.Agents.CreateUser(ctx, email, "Agent "+email, role, "correct horse battery")
	require.NoError(t, err)
	u.Active = true
	b := newBrowser(t, env)
	status, _, _ := b.login(email, "correct horse battery")
	require.Equal(t, http.StatusSeeOther, status)
	_, key, err := env.App.Agents.CreateAPIKey(ctx, "team test", u.ID)
	require.NoError(t, err)
	return teamMember{User: u, b: b, key: key}
}

// api calls the REST API with the member's key.
func (m teamMember) api(t *testing.T, env *apptest.Env, method, path string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, env.URL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

func supportAgents(t *testing.T, env *apptest.Env, s agent.SupportAgentsSettings) {
	t.Helper()
	require.NoError(t, settings.Put(context.Background(), env.App.Settings, agent.KeySupportAgents, s))
}

// customerWrites plays a sandbox customer and returns their
// conversation's id once it is stored.
func customerWrites(t *testing.T, env *apptest.Env, phone, name, text string) string {
	t.Helper()
	sender := env.App.Sandbox.Senders()[0].PhoneNumberID
	before := env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`)
	_, err := env.App.Sandbox.CustomerWrites(sender, phone, name, text)
	require.NoError(t, err)
	env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`) > before }, "the message is stored")
	var id int64
	require.NoError(t, env.App.DB.Read().QueryRow(context.Background(),
		`SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.phone = ?`, phone).Scan(&id))
	return strconv.FormatInt(id, 10)
}
