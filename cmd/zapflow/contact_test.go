package main

import (
	"archive/zip"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/privacy/privacytest"
)

// zapflow contact export writes the contact's ZIP; contact erase needs
// the phone number, deletes the contact, and says so again on a repeat.
func TestContactExportErase(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	code, _, errOut := runCmd(t, env, "migrate")
	require.Equal(t, 0, code, errOut)
	db := openDB(t, env)
	a := privacytest.Seed(t, db, privacytest.Queue(t, db), privacytest.Person{WAID: "5511944440001", Name: "Eva Cli"})
	require.NoError(t, db.Close())
	id := strconv.FormatInt(a.ContactID, 10)

	file := filepath.Join(t.TempDir(), "eva.zip")
	code, out, errOut := runCmd(t, env, "contact", "export", id, "-o", file)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "exported to "+file)
	zr, err := zip.OpenReader(file)
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	require.NoError(t, zr.Close())
	require.True(t, names["contact.json"] && names["messages.json"] && names["README.txt"], "%v", names)
	code, _, errOut = runCmd(t, env, "contact", "export", id, "-o", file)
	require.Equal(t, 1, code, "an existing file is not overwritten")
	require.Contains(t, errOut, "exists")

	code, _, errOut = runCmd(t, env, "contact", "erase", id)
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, "-confirm is required")
	code, _, errOut = runCmd(t, env, "contact", "erase", id, "-confirm", "+5511900000000")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "confirm")
	code, out, errOut = runCmd(t, env, "contact", "erase", id, "-confirm", a.Phone())
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "contact "+id+" erased")
	code, out, errOut = runCmd(t, env, "contact", "erase", id, "-confirm", a.Phone())
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "already erased")

	db = openDB(t, env)
	require.Empty(t, privacytest.Find(t, db, a.Needles()...))

	code, _, errOut = runCmd(t, env, "contact", "show", id)
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, "usage: zapflow contact")
}
