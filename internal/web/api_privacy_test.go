package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/privacy/privacytest"
)

// TestAPIContactExportAndErase drives the LGPD/GDPR endpoints: an agent's
// key is refused both (403 forbidden, nothing changes); the admin's export
// is a ZIP of the contact's records only; erasure needs the phone number
// as confirmation, leaves no trace of the contact in any table, spares the
// other contact, and answers a repeat with already_erased.
func TestAPIContactExportAndErase(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		a := privacytest.Seed(t, env.App.DB, env.App.Queue, privacytest.Person{WAID: "5511966660001", Name: "Carla Gone"})
		b := privacytest.Seed(t, env.App.DB, env.App.Queue, privacytest.Person{WAID: "5531955550002", Name: "Davi Stays"})
		base := "/api/v1/contacts/" + strconv.FormatInt(a.ContactID, 10)
		_, agentKey := agentWithKey(t, env, "bia@example.com")

		status, raw := call(t, env, agentKey, http.MethodGet, base+"/export", "")
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		status, raw = call(t, env, agentKey, http.MethodPost, base+"/erase", `{"confirm":"`+a.Phone()+`"}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		require.NotEmpty(t, privacytest.Find(t, env.App.DB, a.WAID), "a refused caller erased something")

		req, err := http.NewRequest(http.MethodGet, env.URL+base+"/export", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+env.APIKey)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var zipped bytes.Buffer
		_, err = zipped.ReadFrom(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode, zipped.String())
		require.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
		require.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
		zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
		require.NoError(t, err)
		names := map[string]bool{}
		var all bytes.Buffer
		for _, f := range zr.File {
			names[f.Name] = true
			rc, err := f.Open()
			require.NoError(t, err)
			_, err = all.ReadFrom(rc)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
		}
		for _, n := range []string{"README.txt", "contact.json", "conversations.json", "messages.json", "media.json", "notes.json",
			"flow_runs.json", "ai_conversations.json", "ai_messages.json", "pending_statuses.json", "jobs.json", "webhook_events.json"} {
			require.True(t, names[n], n)
		}
		for _, n := range a.Needles() {
			require.Contains(t, all.String(), n)
		}
		for _, n := range b.Needles() {
			require.NotContains(t, all.String(), n)
		}

		doError(t, env, http.MethodPost, base+"/erase", `{"confirm":"`+b.Phone()+`"}`, http.StatusUnprocessableEntity, "confirmation_mismatch")
		doError(t, env, http.MethodPost, base+"/erase", `{"confirm":`, http.StatusBadRequest, "invalid_json")
		doError(t, env, http.MethodPost, "/api/v1/contacts/987654/erase", `{"confirm":"+5511966660001"}`, http.StatusNotFound, "not_found")
		require.NotEmpty(t, privacytest.Find(t, env.App.DB, a.WAID))

		var erased struct {
			Status    string         `json:"status"`
			ContactID int64          `json:"contact_id"`
			Deleted   map[string]int `json:"deleted"`
			ErasedAt  string         `json:"erased_at"`
		}
		status, raw = call(t, env, env.APIKey, http.MethodPost, base+"/erase", `{"confirm":"+55 11 96666-0001"}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.NoError(t, json.Unmarshal([]byte(raw), &erased))
		require.Equal(t, "erased", erased.Status)
		require.Equal(t, a.ContactID, erased.ContactID)
		require.Equal(t, 4, erased.Deleted["messages"])
		require.NotEmpty(t, erased.ErasedAt)
		require.Empty(t, privacytest.Find(t, env.App.DB, a.Needles()...))
		require.NotEmpty(t, privacytest.Find(t, env.App.DB, b.WAID))

		status, raw = call(t, env, env.APIKey, http.MethodPost, base+"/erase", `{"confirm":"`+a.Phone()+`"}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.Contains(t, raw, `"status":"already_erased"`)
		doError(t, env, http.MethodGet, base+"/export", "", http.StatusNotFound, "not_found")
	})
}
