package ui_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestSandboxPageSendsVoiceNoteDocumentAndPin shows the sandbox page's
// buttons play a customer sending a voice note, a PDF and a location pin:
// each arrives as its WhatsApp type, and the two files are fetched and
// stored.
func TestSandboxPageSendsVoiceNoteDocumentAndPin(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		b.login("ana@example.com", "correct horse battery")
		_, _, page := b.do(http.MethodGet, "/sandbox", nil, nil)
		for _, do := range []string{"voice", "document", "location"} {
			require.Contains(t, page, `name="do" value="`+do+`"`)
		}
		sender := env.App.Sandbox.Senders()[0]
		for _, do := range []string{"voice", "document", "location"} {
			form := url.Values{"sender": {sender.PhoneNumberID}, "phone": {"+5511977776666"}, "name": {"Bia"}, "do": {do}, "text": {"Casa da Bia"}}
			status, _, body := b.do(http.MethodPost, "/sandbox/ui/send", form, nil)
			require.Equal(t, http.StatusSeeOther, status, body)
		}
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`) == 3 }, "stored")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE type = 'audio' AND content LIKE '%"voice":true%'`))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE type = 'document' AND content LIKE '%zapflow-sandbox.pdf%'`))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE type = 'location' AND content LIKE '%Casa da Bia%'`))
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM message_media WHERE status = 'stored'`) == 2 },
			"the voice note and the PDF are stored")
	})
}
