package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/contact"
)

func decodeContact(t *testing.T, raw string) contact.Contact {
	t.Helper()
	var c contact.Contact
	require.NoError(t, json.Unmarshal([]byte(raw), &c), raw)
	return c
}

// send posts a raw body with a content type and the key.
func send(t *testing.T, env *apptest.Env, key, path, contentType string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.URL+path, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

// TestAPIContacts creates, edits, searches and opts a contact out over
// the API: an invalid number is a field error, reading is open to every
// key and changes need manage_leads.
func TestAPIContacts(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		bia, agentKey := agentWithKey(t, env, "bia@example.com")

		status, raw := call(t, env, env.APIKey, http.MethodPost, "/api/v1/contacts", `{"phone":"98888-7777"}`)
		e := requireError(t, http.StatusUnprocessableEntity, "invalid_request", status, raw)
		require.Equal(t, "phone", e.Error.Field)
		status, raw = call(t, env, env.APIKey, http.MethodPost, "/api/v1/contacts", `{"phone":"11 98888-7777","region":"XX"}`)
		e = requireError(t, http.StatusUnprocessableEntity, "invalid_request", status, raw)
		require.Equal(t, "region", e.Error.Field)

		status, raw = call(t, env, env.APIKey, http.MethodPost, "/api/v1/contacts",
			`{"phone":"(11) 98888-7777","region":"br","name":"Ana Souza","tags":["VIP"],"fields":{"city":"São Paulo"}}`)
		require.Equal(t, http.StatusCreated, status, raw)
		ana := decodeContact(t, raw)
		require.Equal(t, "+5511988887777", ana.Phone)
		require.Equal(t, map[string]string{"city": "São Paulo"}, ana.Fields)
		path := "/api/v1/contacts/" + strconv.FormatInt(ana.ID, 10)

		status, raw = call(t, env, env.APIKey, http.MethodPost, "/api/v1/contacts", `{"phone":"+5511988887777"}`)
		requireError(t, http.StatusConflict, "contact_exists", status, raw)

		// An agent reads but does not write until granted manage_leads.
		status, raw = call(t, env, agentKey, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, status, raw)
		for _, w := range [][3]string{{http.MethodPatch, path, `{"name":"x"}`}, {http.MethodPost, "/api/v1/contacts", `{"phone":"+5521977776666"}`},
			{http.MethodPost, path + "/opt-out", ""}, {http.MethodPost, "/api/v1/contacts/import", "phone\n+5521977776666\n"}} {
			status, raw = call(t, env, agentKey, w[0], w[1], w[2])
			requireError(t, http.StatusForbidden, "forbidden", status, raw)
		}
		status, raw = call(t, env, env.APIKey, http.MethodPatch, "/api/v1/users/"+strconv.FormatInt(bia.ID, 10), `{"permissions":["manage_leads"]}`)
		require.Equal(t, http.StatusOK, status, raw)

		status, raw = call(t, env, agentKey, http.MethodPatch, path, `{"tags":["x,y"]}`)
		e = requireError(t, http.StatusUnprocessableEntity, "invalid_request", status, raw)
		require.Equal(t, "tags", e.Error.Field)
		status, raw = call(t, env, agentKey, http.MethodPatch, path, `{"name":"Ana S.","tags":["cliente","VIP"],"fields":{"city":null,"plan":"gold"},"opted_out":true}`)
		require.Equal(t, http.StatusOK, status, raw)
		ana = decodeContact(t, raw)
		require.Equal(t, "Ana S.", ana.Name)
		require.Equal(t, []string{"cliente", "VIP"}, ana.Tags)
		require.Equal(t, map[string]string{"plan": "gold"}, ana.Fields)
		require.True(t, ana.OptedOut)
		status, raw = call(t, env, agentKey, http.MethodPost, path+"/opt-in", "")
		require.Equal(t, http.StatusOK, status, raw)

		status, raw = call(t, env, env.APIKey, http.MethodGet, path+"/opt-out-history", "")
		require.Equal(t, http.StatusOK, status, raw)
		var h struct{ Changes []contact.OptOutChange }
		require.NoError(t, json.Unmarshal([]byte(raw), &h))
		require.Len(t, h.Changes, 2)
		for i, after := range []bool{false, true} {
			require.Equal(t, after, h.Changes[i].After)
			require.Equal(t, "api", h.Changes[i].Source)
			require.Equal(t, bia.ID, h.Changes[i].UserID, "the key's user made the change")
			require.Equal(t, "Agent", h.Changes[i].UserName)
		}

		list := func(query string) []int64 {
			t.Helper()
			status, raw := call(t, env, agentKey, http.MethodGet, "/api/v1/contacts?"+query, "")
			require.Equal(t, http.StatusOK, status, raw)
			var p contact.Page
			require.NoError(t, json.Unmarshal([]byte(raw), &p))
			ids := []int64{}
			for _, c := range p.Contacts {
				ids = append(ids, c.ID)
			}
			return ids
		}
		require.Equal(t, []int64{ana.ID}, list("q=ana"))
		require.Equal(t, []int64{ana.ID}, list("q=988887"))
		require.Equal(t, []int64{ana.ID}, list("tag=vip"))
		require.Empty(t, list("q=caio"))
		require.Equal(t, []int64{ana.ID}, list("phone=%2B5511988887777"))
	})
}

// TestAPIContactsImportExport imports a CSV (as the body and as a form
// file) whose bad rows are reported each while the rest is imported; a
// malformed file imports nothing; the export reads back unchanged.
func TestAPIContactsImportExport(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		file := "Telefone,Nome,Tags,Cidade\n+5511988887777,Ana,vip,São Paulo\nnot a number,Bad,,\n+5521977776666,Caio,,Rio\n+55 11 98888-7777,Ana 2,,\n"
		status, raw := send(t, env, env.APIKey, "/api/v1/contacts/import", "text/csv", strings.NewReader(file))
		require.Equal(t, http.StatusOK, status, raw)
		var res contact.ImportResult
		require.NoError(t, json.Unmarshal([]byte(raw), &res))
		require.Equal(t, 4, res.Rows)
		require.Equal(t, 2, res.Created)
		require.Equal(t, []contact.RowError{
			{Row: 3, Phone: "not a number", Code: "invalid_phone", Message: res.Errors[0].Message},
			{Row: 5, Phone: "+55 11 98888-7777", Code: "duplicate_phone", Message: "the same number as row 2", SameAs: 2},
		}, res.Errors)
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM contacts`))

		// A form upload, with a region for national numbers.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		require.NoError(t, mw.WriteField("region", "BR"))
		fw, err := mw.CreateFormFile("file", "contatos.csv")
		require.NoError(t, err)
		_, _ = io.WriteString(fw, "phone;name\n(31) 96666-5555;Duda\n")
		require.NoError(t, mw.Close())
		status, raw = send(t, env, env.APIKey, "/api/v1/contacts/import", mw.FormDataContentType(), &body)
		require.Equal(t, http.StatusOK, status, raw)
		require.Contains(t, raw, `"created":1`)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM contacts WHERE phone = '+5531966665555' AND name = 'Duda'`))

		// Malformed: nothing of it lands, good rows included.
		status, raw = send(t, env, env.APIKey, "/api/v1/contacts/import", "text/csv", strings.NewReader("nome,cidade\nEva,Recife\n"))
		e := requireError(t, http.StatusUnprocessableEntity, "no_phone_column", status, raw)
		require.Equal(t, "file", e.Error.Field)
		status, raw = send(t, env, env.APIKey, "/api/v1/contacts/import", "text/csv", strings.NewReader("phone,name\n+5541955554444,Eva\n+5551944443333,\"Fabi\n"))
		requireError(t, http.StatusUnprocessableEntity, "invalid_csv", status, raw)
		status, raw = send(t, env, env.APIKey, "/api/v1/contacts/import", "text/csv", strings.NewReader("phone\n"+strings.Repeat("+5541955554444\n", 500_000)))
		requireError(t, http.StatusRequestEntityTooLarge, "body_too_large", status, raw)
		require.Equal(t, 3, env.Count(`SELECT COUNT(*) FROM contacts`))

		export := func() string {
			t.Helper()
			req, err := http.NewRequest(http.MethodGet, env.URL+"/api/v1/contacts/export", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+env.APIKey)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			return string(b)
		}
		before := export()
		require.Contains(t, before, "+5511988887777,Ana,,vip,false,false,")
		status, raw = send(t, env, env.APIKey, "/api/v1/contacts/import", "text/csv", strings.NewReader(before))
		require.Equal(t, http.StatusOK, status, raw)
		require.Contains(t, raw, `"errors":[]`)
		require.Contains(t, raw, `"updated":3`)
		require.Equal(t, before, export(), "the export round-trips")
	})
}
