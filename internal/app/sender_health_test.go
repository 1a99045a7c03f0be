package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/notify"
)

func senderOne(t *testing.T, env *apptest.Env) account.Sender {
	t.Helper()
	var sn account.Sender
	require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/senders/1", nil, &sn))
	return sn
}

// The sandbox's YELLOW comes with a FLAGGED webhook: the sender shows the
// YELLOW its check reads, not a RED guessed from the event, and nothing
// pauses bulk sending. The sandbox's own startup checks ran in the same
// minute, which used to swallow this check.
func TestSandboxYellowQualityShowsYellow(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		require.Equal(t, http.StatusOK, env.Do("POST", "/sandbox/api/senders/"+phone1+"/quality", map[string]string{"quality_rating": "YELLOW"}, nil))
		env.Eventually(func() bool {
			sn := senderOne(t, env)
			return sn.QualityRating == "YELLOW" && sn.QualityEvent == ""
		}, "the check reads YELLOW")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM notifications WHERE kind = ?`, notify.KindSenderQuality))
	})
}

// A number that goes offline and reconnects seconds later ends CONNECTED
// without a manual check.
func TestSandboxSenderReconnectsWithinAMinute(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		status := func(s string) {
			require.Equal(t, http.StatusOK, env.Do("POST", "/sandbox/api/senders/"+phone1+"/status", map[string]string{"status": s}, nil))
		}
		status("DISCONNECTED")
		env.Eventually(func() bool { return !senderOne(t, env).Online }, "the check reads DISCONNECTED")
		status("CONNECTED")
		env.Eventually(func() bool { return senderOne(t, env).Online }, "a second check reads CONNECTED")
	})
}

// POST /senders/{id}/release-held answers how many messages it released,
// and 404 for an unknown sender.
func TestReleaseHeldRoute(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		var out struct {
			Released *int `json:"released"`
		}
		require.Equal(t, http.StatusOK, env.Do("POST", "/api/v1/senders/1/release-held", nil, &out))
		require.NotNil(t, out.Released)
		require.Zero(t, *out.Released, "a GREEN sender holds nothing")
		var bad errorBody
		require.Equal(t, http.StatusNotFound, env.Do("POST", "/api/v1/senders/999/release-held", nil, &bad))
		require.Equal(t, "not_found", bad.Error.Code)
	})
}
