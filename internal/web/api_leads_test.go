package web_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

type leadView struct {
	ID         int64             `json:"id"`
	ContactID  int64             `json:"contact_id"`
	Status     string            `json:"status"`
	SourceID   int64             `json:"source_id"`
	SourceName string            `json:"source_name"`
	AgentID    int64             `json:"agent_id"`
	Notes      string            `json:"notes"`
	Tags       []string          `json:"tags"`
	Fields     map[string]string `json:"fields"`
	Automatic  bool              `json:"automatic"`
}

func decodeJSON[T any](t *testing.T, raw string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(raw), &v), raw)
	return v
}

// TestAPILeads walks the leads API: auto lead settings (validated,
// audited), a customer's first message becoming a lead, reading it with
// filters, and the permissions: any key reads, manage_leads edits,
// assign (re)assigns, manage_settings changes auto lead.
func TestAPILeads(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		bia, key := agentWithKey(t, env, "bia@example.com")
		biaPath := "/api/v1/users/" + strconv.FormatInt(bia.ID, 10)

		// Auto lead settings: defaults, validation next to the field, a
		// merge, and an audit line.
		status, raw := call(t, env, key, http.MethodGet, "/api/v1/settings/leads", "")
		require.Equal(t, http.StatusOK, status, raw)
		require.JSONEq(t, `{"enabled":false,"default_status":"new","source_id":1,"agent":"unassigned","agent_id":0}`, raw)
		status, raw = call(t, env, key, http.MethodPut, "/api/v1/settings/leads", `{"enabled":true}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		e := doError(t, env, http.MethodPut, "/api/v1/settings/leads", `{"default_status":""}`, http.StatusUnprocessableEntity, "status_required")
		require.Equal(t, "default_status", e.Error.Field)
		e = doError(t, env, http.MethodPut, "/api/v1/settings/leads", `{"agent":"agent","agent_id":999}`, http.StatusUnprocessableEntity, "invalid_agent")
		require.Equal(t, "agent_id", e.Error.Field)
		doError(t, env, http.MethodPut, "/api/v1/settings/leads", `{"enabled":"yes"}`, http.StatusBadRequest, "invalid_json")
		status, raw = call(t, env, env.APIKey, http.MethodPut, "/api/v1/settings/leads",
			`{"enabled":true,"default_status":"in_progress","agent":"agent","agent_id":`+strconv.FormatInt(bia.ID, 10)+`}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM settings_audit WHERE section = 'auto_lead' AND summary LIKE '%enabled: false → true%'`))

		// The customer's first message makes a lead with those defaults.
		_, err := env.App.Sandbox.CustomerWrites(senderA, "+5511988880001", "Maria", "Quanto custa?")
		require.NoError(t, err)
		var page struct {
			Leads []leadView `json:"leads"`
			Total int        `json:"total"`
		}
		env.Eventually(func() bool {
			status, raw := call(t, env, key, http.MethodGet, "/api/v1/leads", "")
			require.Equal(t, http.StatusOK, status, raw)
			page = decodeJSON[struct {
				Leads []leadView `json:"leads"`
				Total int        `json:"total"`
			}](t, raw)
			return page.Total == 1
		}, "the auto lead")
		l := page.Leads[0]
		require.Equal(t, "in_progress", l.Status)
		require.Equal(t, "WhatsApp", l.SourceName)
		require.Equal(t, bia.ID, l.AgentID)
		require.True(t, l.Automatic)
		leadPath := "/api/v1/leads/" + strconv.FormatInt(l.ID, 10)

		// Any key reads, with filters.
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/leads?status=in_progress&agent_id="+strconv.FormatInt(bia.ID, 10)+"&source_id=1", "")
		require.Equal(t, http.StatusOK, status, raw)
		require.Contains(t, raw, `"total":1`)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/leads?agent_id=none", "")
		require.Equal(t, http.StatusOK, status, raw)
		require.Contains(t, raw, `"total":0`)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/leads?status=won", "")
		requireError(t, http.StatusUnprocessableEntity, "invalid_status", status, raw)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/leads?from=2020-13-01", "")
		requireError(t, http.StatusUnprocessableEntity, "invalid_query", status, raw)
		status, raw = call(t, env, key, http.MethodGet, leadPath, "")
		require.Equal(t, http.StatusOK, status, raw)
		doError(t, env, http.MethodGet, "/api/v1/leads/99999", "", http.StatusNotFound, "not_found")

		// Editing needs manage_leads; assigning needs assign.
		status, raw = call(t, env, key, http.MethodPatch, leadPath, `{"status":"qualified"}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		status, raw = call(t, env, key, http.MethodPost, leadPath+"/assign", `{"agent_id":null}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		status, raw = call(t, env, key, http.MethodPost, "/api/v1/lead-sources", `{"name":"TV"}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)

		status, raw = call(t, env, env.APIKey, http.MethodPatch, biaPath, `{"permissions":["manage_leads"]}`)
		require.Equal(t, http.StatusOK, status, raw)
		status, raw = call(t, env, key, http.MethodPatch, leadPath, `{"status":"qualified","notes":"wants 10","add_tags":["vip"],"fields":{"budget":"10k"}}`)
		require.Equal(t, http.StatusOK, status, raw)
		got := decodeJSON[leadView](t, raw)
		require.Equal(t, "qualified", got.Status)
		require.Equal(t, []string{"vip"}, got.Tags)
		require.Equal(t, map[string]string{"budget": "10k"}, got.Fields)
		status, raw = call(t, env, key, http.MethodPatch, leadPath, `{"status":"won"}`)
		e = requireError(t, http.StatusUnprocessableEntity, "invalid_status", status, raw)
		require.Equal(t, "status", e.Error.Field)
		status, raw = call(t, env, key, http.MethodPatch, leadPath, `{"agent_id":3}`)
		requireError(t, http.StatusBadRequest, "invalid_json", status, raw)
		status, raw = call(t, env, key, http.MethodPost, leadPath+"/assign", `{"agent_id":null}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		status, raw = call(t, env, key, http.MethodPost, "/api/v1/leads", `{"contact_id":99999}`)
		e = requireError(t, http.StatusUnprocessableEntity, "invalid_contact", status, raw)
		require.Equal(t, "contact_id", e.Error.Field)
		status, raw = call(t, env, key, http.MethodPost, "/api/v1/leads", `{"contact_id":99999,"agent_id":`+strconv.FormatInt(bia.ID, 10)+`}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)

		status, raw = call(t, env, env.APIKey, http.MethodPatch, biaPath, `{"permissions":["manage_leads","assign"]}`)
		require.Equal(t, http.StatusOK, status, raw)
		status, raw = call(t, env, key, http.MethodPost, leadPath+"/assign", `{"agent_id":null}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.Zero(t, decodeJSON[leadView](t, raw).AgentID)
		status, raw = call(t, env, key, http.MethodPost, leadPath+"/assign", `{"agent_id":424242}`)
		requireError(t, http.StatusUnprocessableEntity, "invalid_agent", status, raw)

		// The status history names who did what.
		status, raw = call(t, env, key, http.MethodGet, leadPath+"/history", "")
		require.Equal(t, http.StatusOK, status, raw)
		h := decodeJSON[struct {
			History []struct {
				From     string `json:"from"`
				To       string `json:"to"`
				By       string `json:"by"`
				ByUserID int64  `json:"by_user_id"`
			} `json:"history"`
		}](t, raw).History
		require.Len(t, h, 2)
		require.Equal(t, "in_progress", h[0].To)
		require.Equal(t, "auto_lead", h[0].By)
		require.Equal(t, "in_progress", h[1].From)
		require.Equal(t, "qualified", h[1].To)
		require.Equal(t, bia.ID, h[1].ByUserID)

		// A second open lead for the contact is a conflict.
		status, raw = call(t, env, key, http.MethodPost, "/api/v1/leads", `{"contact_id":`+strconv.FormatInt(l.ContactID, 10)+`}`)
		requireError(t, http.StatusConflict, "open_lead_exists", status, raw)

		// Sources: add, rename, refuse a duplicate, remove.
		status, raw = call(t, env, key, http.MethodPost, "/api/v1/lead-sources", `{"name":"TV"}`)
		require.Equal(t, http.StatusCreated, status, raw)
		tv := decodeJSON[struct {
			ID int64 `json:"id"`
		}](t, raw).ID
		srcPath := "/api/v1/lead-sources/" + strconv.FormatInt(tv, 10)
		status, raw = call(t, env, key, http.MethodPatch, srcPath, `{"name":"facebook"}`)
		requireError(t, http.StatusConflict, "source_exists", status, raw)
		status, raw = call(t, env, key, http.MethodPatch, srcPath, `{"name":"Television"}`)
		require.Equal(t, http.StatusOK, status, raw)
		status, raw = call(t, env, key, http.MethodDelete, srcPath, "")
		require.Equal(t, http.StatusNoContent, status, raw)
		status, raw = call(t, env, key, http.MethodDelete, "/api/v1/lead-sources/1", "")
		requireError(t, http.StatusConflict, "source_in_use", status, raw)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/lead-sources", "")
		require.Equal(t, http.StatusOK, status, raw)
		require.NotContains(t, raw, "Television")

		// The report, as JSON and CSV.
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/leads/report", "")
		require.Equal(t, http.StatusOK, status, raw)
		require.Contains(t, raw, `"total":1`)
		require.Contains(t, raw, `{"source_id":1,"name":"WhatsApp","count":1}`)
		require.Contains(t, raw, `{"status":"qualified","count":1}`)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/leads/report?format=csv&from=2000-01-01&to=2000-01-31", "")
		require.Equal(t, http.StatusOK, status, raw)
		require.True(t, strings.HasPrefix(raw, "group,key,name,count\nsource,2,Facebook,0\n"), raw)
		require.Contains(t, raw, "source,1,WhatsApp,0\n")
		require.Contains(t, raw, "status,qualified,qualified,0\n")
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/leads/report?from=2025-02-01&to=2025-01-01", "")
		requireError(t, http.StatusUnprocessableEntity, "invalid_range", status, raw)
	})
}
