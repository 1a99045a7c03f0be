package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// TestAPINotificationsArePerUser reads and dismisses notifications
// through one user's key and shows another user's state is untouched.
func TestAPINotificationsArePerUser(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		_, anaKey := agentWithKey(t, env, "ana@example.com")
		_, biaKey := agentWithKey(t, env, "bia@example.com")
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			for _, title := range []string{"first", "second"} {
				if err := notify.Add(ctx, tx, notify.KindSenderOffline, title, "", "sender:1", time.Now()); err != nil {
					return err
				}
			}
			return nil
		}))
		type list struct {
			Notifications []struct {
				ID        int64  `json:"id"`
				Title     string `json:"title"`
				Read      bool   `json:"read"`
				Dismissed bool   `json:"dismissed"`
			} `json:"notifications"`
			Unread int `json:"unread"`
		}
		get := func(key, query string) list {
			status, body := call(t, env, key, http.MethodGet, "/api/v1/notifications"+query, "")
			require.Equal(t, http.StatusOK, status, body)
			var l list
			require.NoError(t, json.Unmarshal([]byte(body), &l))
			return l
		}
		l := get(anaKey, "")
		require.Equal(t, 2, l.Unread)
		require.Len(t, l.Notifications, 2)
		second, first := strconv.FormatInt(l.Notifications[0].ID, 10), strconv.FormatInt(l.Notifications[1].ID, 10)

		status, body := call(t, env, anaKey, http.MethodPost, "/api/v1/notifications/"+second+"/read", "")
		require.Equal(t, http.StatusNoContent, status, body)
		status, body = call(t, env, anaKey, http.MethodPost, "/api/v1/notifications/"+first+"/dismiss", "")
		require.Equal(t, http.StatusNoContent, status, body)
		l = get(anaKey, "")
		require.Equal(t, 0, l.Unread)
		require.Len(t, l.Notifications, 1, "the dismissed one is hidden")
		require.True(t, l.Notifications[0].Read)
		require.Len(t, get(anaKey, "?dismissed=true").Notifications, 2)
		require.Equal(t, 2, get(biaKey, "").Unread, "the other user's bell is untouched")

		status, body = call(t, env, biaKey, http.MethodPost, "/api/v1/notifications/read-all", "")
		require.Equal(t, http.StatusNoContent, status, body)
		require.Equal(t, 0, get(biaKey, "").Unread)

		status, body = call(t, env, anaKey, http.MethodPost, "/api/v1/notifications/999999/read", "")
		requireError(t, http.StatusNotFound, "not_found", status, body)
		status, body = call(t, env, "", http.MethodPost, "/api/v1/notifications/read-all", "")
		requireError(t, http.StatusUnauthorized, "missing_api_key", status, body)
	})
}
