package ai

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Moving base_url to another host without giving the API key again is
// refused and changes nothing, so the stored key never reaches the new
// host; with a key it does, and the new host sees only the new key.
func TestBaseURLMoveNeedsTheKeyAgain(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	e := newEnv(t, db)
	other := newFakeModel(t)
	otherURL := strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1) + "/v1"
	a := e.assistant(t, "hi")

	_, err := e.svc.UpdateAISettings(ctx, AISettingsInput{BaseURL: ptr(otherURL)})
	ae := apperrtest.RequireCode(t, err, "secret_required", "api_key")
	require.Contains(t, ae.Message, "api_key again")
	v, err := e.svc.AISettings(ctx)
	require.NoError(t, err)
	require.Equal(t, e.model.srv.URL+"/v1", v.BaseURL, "nothing changed")
	_, err = e.svc.Reply(ctx, a.ID, "c1", "oi", nil)
	require.NoError(t, err)
	require.Equal(t, "Bearer sk-test-1234", e.model.last(t).Auth)
	require.Empty(t, other.Calls(), "the stored key was not sent to the new host")

	// The same endpoint written differently keeps the key.
	_, err = e.svc.UpdateAISettings(ctx, AISettingsInput{BaseURL: ptr(e.model.srv.URL + "/v1/")})
	require.NoError(t, err)

	_, err = e.svc.UpdateAISettings(ctx, AISettingsInput{BaseURL: ptr(otherURL), APIKey: ptr("sk-other-5678")})
	require.NoError(t, err)
	_, err = e.svc.Reply(ctx, a.ID, "c1", "oi again", nil)
	require.NoError(t, err)
	require.Len(t, other.Calls(), 1)
	require.Equal(t, "Bearer sk-other-5678", other.last(t).Auth)

	// Without a stored key there is no secret to protect.
	_, err = e.svc.UpdateAISettings(ctx, AISettingsInput{APIKey: ptr("")})
	require.NoError(t, err)
	_, err = e.svc.UpdateAISettings(ctx, AISettingsInput{BaseURL: ptr(e.model.srv.URL + "/v1")})
	require.NoError(t, err)
}

// A base_url on an internal address is refused when saved (a literal
// address) and when called (any name resolving to one): the named error
// destination_not_allowed says how to allow it, and nothing is sent.
func TestBaseURLInternalAddressRefused(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	box, err := secret.New("k")
	require.NoError(t, err)
	guard := netguard.New(netguard.Options{})

	saving := New(Options{DB: db, Box: box, Settings: settings.New(db, nil, 0), CheckURL: guard.CheckURL})
	for _, u := range []string{"http://10.0.0.5/v1", "http://169.254.169.254/v1", "http://[::1]:8080/v1", "http://[fd00::1]/v1", "http://0.0.0.0:11434/v1"} {
		_, err := saving.UpdateAISettings(ctx, AISettingsInput{BaseURL: ptr(u), APIKey: ptr("sk-x")})
		ae := apperrtest.RequireCode(t, err, CodeDestinationNotAllowed, "base_url")
		require.Contains(t, ae.Message, "ZAPFLOW_OUTBOUND_ALLOW", u)
	}

	// At call time, through the default (guarded) client.
	f := newFakeModel(t)
	calling := New(Options{DB: db, Box: box, Settings: settings.New(db, nil, 0)})
	for _, u := range []string{f.srv.URL + "/v1", strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1) + "/v1"} {
		_, err = calling.UpdateAISettings(ctx, AISettingsInput{BaseURL: ptr(u), APIKey: ptr("sk-x")})
		require.NoError(t, err)
		_, err = calling.Transform(ctx, TransformRequest{Action: ActionSimplify, Text: "x"})
		ae := apperrtest.RequireCode(t, err, CodeDestinationNotAllowed, "")
		require.Equal(t, apperr.KindConflict, ae.Kind)
		require.Contains(t, ae.Message, "is not allowed")
		require.Contains(t, ae.Message, Troubleshooting(CodeDestinationNotAllowed))
		require.False(t, retryable(ae.Code))
	}
	require.Empty(t, f.Calls(), "the model server received nothing")
}
