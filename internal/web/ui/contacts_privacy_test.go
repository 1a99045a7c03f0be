package ui_test

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/contact"
)

// TestContactDataRequests downloads a contact's data as a ZIP from the
// contact page and erases it after the number is typed again (a wrong
// one is refused next to the field); agents see neither button and are
// refused both.
func TestContactDataRequests(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		c, err := env.App.Contacts.Create(ctx, contact.Input{Phone: ptr("+5511988887777"), Name: ptr("Ana Souza")}, "", contact.Actor{Source: contact.SourceAPI})
		require.NoError(t, err)
		page := "/contacts/" + strconv.FormatInt(c.ID, 10)
		addUser(t, env, "admin@example.com", "admin")
		addUser(t, env, "bia@example.com", "agent")
		admin := newBrowser(t, env)
		admin.login("admin@example.com", "correct horse battery")

		_, _, body := admin.do(http.MethodGet, page, nil, nil)
		require.Contains(t, body, page+"/export.zip")
		status, h, raw := admin.do(http.MethodGet, page+"/export.zip", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "application/zip", h.Get("Content-Type"))
		zr, err := zip.NewReader(bytes.NewReader([]byte(raw)), int64(len(raw)))
		require.NoError(t, err)
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		require.Contains(t, names, "contact.json")

		status, _, body = admin.do(http.MethodPost, page+"/erase", url.Values{"confirm": {"+55 11 90000-0000"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="confirm-error"`)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM contacts WHERE id = ?`, c.ID), "nothing erased")

		agentB := newBrowser(t, env)
		agentB.login("bia@example.com", "correct horse battery")
		_, _, body = agentB.do(http.MethodGet, page, nil, nil)
		require.NotContains(t, body, "/export.zip")
		status, _, _ = agentB.do(http.MethodGet, page+"/export.zip", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = agentB.do(http.MethodPost, page+"/erase", url.Values{"confirm": {"+5511988887777"}}, nil)
		require.Equal(t, http.StatusForbidden, status)

		status, h, _ = admin.do(http.MethodPost, page+"/erase", url.Values{"confirm": {"+55 (11) 98888-7777"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/contacts?erased="+strconv.FormatInt(c.ID, 10), h.Get("Location"))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM contacts WHERE id = ?`, c.ID))
		_, _, body = admin.do(http.MethodGet, h.Get("Location"), nil, nil)
		require.Contains(t, body, "were erased")
		status, _, _ = admin.do(http.MethodGet, page, nil, nil)
		require.Equal(t, http.StatusNotFound, status)
	})
}
