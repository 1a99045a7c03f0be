package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/contact"
)

func ptr[T any](v T) *T { return &v }

// TestContactPagesNeedManageLeadsToChange shows every signed-in agent
// reads contacts, while adding, editing and importing need manage_leads,
// checked on the server for each post; nothing changes on a refusal.
func TestContactPagesNeedManageLeadsToChange(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		c, err := env.App.Contacts.Create(ctx, contact.Input{Phone: ptr("+5511988887777"), Name: ptr("Ana Souza")}, "", contact.Actor{Source: contact.SourceAPI})
		require.NoError(t, err)
		path := "/contacts/" + strconv.FormatInt(c.ID, 10)
		addUser(t, env, "bia@example.com", "agent")
		b := loggedIn(t, env, "bia@example.com", "correct horse battery")

		status, _, body := b.do(http.MethodGet, "/contacts", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Ana Souza")
		require.NotContains(t, body, `action="/contacts" class="contacts-new"`, "no add form without the permission")
		status, _, body = b.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Changing them needs")
		status, hdr, body := b.do(http.MethodGet, "/contacts/export.csv", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "text/csv; charset=utf-8", hdr.Get("Content-Type"))
		require.Contains(t, body, "+5511988887777,Ana Souza,")

		for p, form := range map[string]url.Values{
			path:               {"name": {"Hacked"}, "opted_out": {"on"}},
			"/contacts":        {"phone": {"+5521977776666"}},
			"/contacts/import": {"region": {"BR"}},
		} {
			status, _, _ = b.do(http.MethodPost, p, form, nil)
			require.Equal(t, http.StatusForbidden, status, p)
		}
		status, _, _ = b.do(http.MethodGet, "/contacts/import", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		got, err := env.App.Contacts.Get(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, c, got, "unchanged")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM contacts`))
	})
}

// TestContactPageSavesAndRefuses edits a contact through its page: a
// refused value is shown next to its field with what was typed and saves
// nothing; a good save redirects to "Saved" and its opt-out shows in the
// history with who changed it. The list searches, and adding a contact
// with a bad number says so next to the phone.
func TestContactPageSavesAndRefuses(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		addUser(t, env, "ana@example.com", "admin")
		b := loggedIn(t, env, "ana@example.com", "correct horse battery")

		status, _, body := b.do(http.MethodPost, "/contacts", url.Values{"phone": {"98888"}, "name": {"Caio"}, "region": {""}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="new-phone-error"`)
		require.Contains(t, body, `value="Caio"`, "what was typed stays")
		status, hdr, _ := b.do(http.MethodPost, "/contacts", url.Values{"phone": {"(11) 98888-7777"}, "region": {"BR"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		path, _, _ := strings.Cut(hdr.Get("Location"), "?")
		require.Equal(t, "/contacts/", path[:len("/contacts/")])

		form := url.Values{"name": {"Caio Lima"}, "tags": {"vip\nloja"}, "field_key": {"City", ""}, "field_value": {"Rio", ""}}
		status, _, body = b.do(http.MethodPost, path, form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="fields-error"`)
		require.Contains(t, body, `value="City"`)
		require.Contains(t, body, "Nothing was saved")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM contacts WHERE name = 'Caio Lima'`))

		form.Set("opted_out", "on")
		form["field_key"] = []string{"city", "plan"}
		form["field_value"] = []string{"Rio", "gold"}
		status, hdr, _ = b.do(http.MethodPost, path, form, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, path+"?done=saved", hdr.Get("Location"))
		status, _, body = b.do(http.MethodGet, path+"?done=saved", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Saved.")
		require.Contains(t, body, "Agent ana@example.com · in the web app")

		id, err := strconv.ParseInt(strings.TrimPrefix(path, "/contacts/"), 10, 64)
		require.NoError(t, err)
		c, err := env.App.Contacts.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, "Caio Lima", c.Name)
		require.Equal(t, []string{"loja", "vip"}, c.Tags)
		require.Equal(t, map[string]string{"city": "Rio", "plan": "gold"}, c.Fields)
		require.True(t, c.OptedOut)

		// A cleared row removes its field; unticking opts back in.
		status, _, _ = b.do(http.MethodPost, path, url.Values{"name": {"Caio Lima"}, "field_key": {"city", ""}, "field_value": {"Rio", ""}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		c, err = env.App.Contacts.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, map[string]string{"city": "Rio"}, c.Fields)
		require.Empty(t, c.Tags)
		require.False(t, c.OptedOut)

		status, _, body = b.do(http.MethodGet, "/contacts?q=caio", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Caio Lima")
		status, _, body = b.do(http.MethodGet, "/contacts?q=nobody", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "No contact matches")

		status, _, _ = b.do(http.MethodPost, path, url.Values{"name": {"Cross"}}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		require.Equal(t, http.StatusForbidden, status, "another site cannot post")
	})
}
