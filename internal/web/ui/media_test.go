package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// customerSendsMedia posts, as Meta would, a customer's message of type
// kind carrying a media id the sandbox stored.
func customerSendsMedia(t *testing.T, env *apptest.Env, wamid, kind, object string) {
	t.Helper()
	cfg := env.App.Sandbox.Config()
	snd := env.App.Sandbox.Senders()[0]
	accs, err := env.App.Accounts.Accounts(context.Background())
	require.NoError(t, err)
	var accountID int64
	for _, a := range accs {
		if a.Sandbox {
			accountID = a.ID
		}
	}
	require.NotZero(t, accountID)
	body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":%q,"changes":[{"field":"messages","value":{
		"messaging_product":"whatsapp","metadata":{"display_phone_number":"551140000001","phone_number_id":%q},
		"contacts":[{"profile":{"name":"Ana Cliente"},"wa_id":"5511988887777"}],
		"messages":[{"from":"5511988887777","id":%q,"timestamp":"1700000000","type":%q,%q:%s}]}}]}]}`,
		cfg.WABAID, snd.PhoneNumberID, wamid, kind, kind, object)
	status, raw := env.PostWebhook(accountID, cfg.AppSecret, []byte(body))
	require.Equal(t, http.StatusOK, status, raw)
}

func messageID(t *testing.T, env *apptest.Env, wamid string) (conv, msg string) {
	t.Helper()
	env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = ?`, wamid) == 1 }, "the message is stored")
	var c, m int64
	require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT conversation_id, id FROM messages WHERE wamid = ?`, wamid).Scan(&c, &m))
	return strconv.FormatInt(c, 10), strconv.FormatInt(m, 10)
}

// TestMediaIsFetchedByTheServer shows a customer's image and document
// show in the chat from our own URL; the download returns the sandbox's
// bytes with the stored type (a document as an attachment, never
// sniffed), was stored by the fetch job, and neither the page nor the answer ever carries
// the access token or Meta's URL. A message of another conversation is
// not found, and a visitor without a session gets nothing.
func TestMediaIsFetchedByTheServer(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		status, _, _ := b.login("ana@example.com", "correct horse battery")
		require.Equal(t, http.StatusSeeOther, status)

		png := []byte("\x89PNG\r\n\x1a\nnot really a picture")
		imgID, err := env.App.Sandbox.UploadMedia("image/png", png)
		require.NoError(t, err)
		pdf := []byte("%PDF-1.4 orçamento")
		docID, err := env.App.Sandbox.UploadMedia("application/pdf", pdf)
		require.NoError(t, err)
		customerSendsMedia(t, env, "wamid.media-image", "image", `{"id":"`+imgID+`","mime_type":"image/png","sha256":"x","caption":"a foto do produto"}`)
		customerSendsMedia(t, env, "wamid.media-doc", "document", `{"id":"`+docID+`","mime_type":"application/pdf","filename":"orcamento.pdf"}`)
		conv, img := messageID(t, env, "wamid.media-image")
		_, doc := messageID(t, env, "wamid.media-doc")
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM message_media WHERE status = 'stored'`) == 2 },
			"a job fetched both files after their messages committed")

		token := env.App.Sandbox.Config().AccessToken
		_, _, page := b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Contains(t, page, `<img src="/inbox/`+conv+`/media/`+img+`"`)
		require.Contains(t, page, "a foto do produto")
		require.Contains(t, page, `href="/inbox/`+conv+`/media/`+doc+`" download="orcamento.pdf"`)
		require.NotContains(t, page, token)
		require.NotContains(t, page, "lookaside")

		status, h, got := b.do(http.MethodGet, "/inbox/"+conv+"/media/"+img, nil, nil)
		require.Equal(t, http.StatusOK, status, got)
		require.Equal(t, string(png), got)
		require.Equal(t, "image/png", h.Get("Content-Type"))
		require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
		require.Empty(t, h.Get("Content-Disposition"), "a picture shows inline")
		require.Equal(t, 0, env.Count(`SELECT COUNT(*) FROM media_cache`), "served from the store, not fetched on demand")

		status, h, got = b.do(http.MethodGet, "/inbox/"+conv+"/media/"+doc, nil, nil)
		require.Equal(t, http.StatusOK, status, got)
		require.Equal(t, string(pdf), got)
		require.Equal(t, "application/pdf", h.Get("Content-Type"))
		require.Contains(t, h.Get("Content-Disposition"), "attachment")
		require.Contains(t, h.Get("Content-Disposition"), "orcamento.pdf")
		require.NotContains(t, got, token)

		status, _, got = b.do(http.MethodGet, "/inbox/"+conv+"/media/"+img, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, string(png), got, "served again from the store")

		status, _, _ = b.do(http.MethodGet, "/inbox/999999/media/"+img, nil, nil)
		require.Equal(t, http.StatusNotFound, status, "a message is only reachable through its own conversation")
		status, _, _ = newBrowser(t, env).do(http.MethodGet, "/inbox/"+conv+"/media/"+img, nil, nil)
		require.Equal(t, http.StatusSeeOther, status, "no session, no media")
	})
}
