package ui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
)

// attachment is a file the reply form carries.
type attachment struct {
	name, mime string
	data       []byte
}

// replyForm posts the reply box as the browser sends it: multipart, with
// the text and, when f is not nil, the file (its part typed as given).
func (b *browser) replyForm(conv, text string, f *attachment, headers map[string]string) (int, http.Header, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(b.t, mw.WriteField("text", text))
	h := textproto.MIMEHeader{}
	if f != nil {
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+f.name+`"`)
		h.Set("Content-Type", f.mime)
	} else {
		// What a browser sends for a file input left empty.
		h.Set("Content-Disposition", `form-data; name="file"; filename=""`)
		h.Set("Content-Type", "application/octet-stream")
	}
	pw, err := mw.CreatePart(h)
	require.NoError(b.t, err)
	if f != nil {
		_, _ = pw.Write(f.data)
	}
	require.NoError(b.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.base+"/inbox/"+conv+"/reply", &buf)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.base)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// testPNG is a small real picture.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(2, 2, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestReplyBoxAttachmentRefusedNamesTheError sends files WhatsApp would
// refuse from the reply box: a ZIP and a GIF (wrong MIME type), a picture
// over 5 MB and a voice message with a caption. Each is answered 422 with
// its named code and fix beside the box and the text kept, as is a good
// picture once the 24-hour window has closed; nothing is uploaded, stored
// or sent.
func TestReplyBoxAttachmentRefusedNamesTheError(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b, conv := composeChat(t, env)
		cases := []struct {
			name       string
			file       attachment
			text, code string
			fix, field string
		}{
			{"zip", attachment{"fotos.zip", "application/zip", []byte("PK\x03\x04zip")}, "as fotos", "unsupported_media_type",
				"Send a JPEG or PNG picture", `id="reply-file" name="file"`},
			{"gif", attachment{"gato.gif", "image/gif", []byte("GIF89a....")}, "olha", "unsupported_media_type",
				"Send a JPEG or PNG picture", `id="reply-file" name="file"`},
			{"oversize", attachment{"grande.png", "image/png", append(testPNG(t), make([]byte, 5<<20)...)}, "foto grande", "media_too_large",
				"Send a smaller file", `id="reply-file" name="file"`},
			{"voice caption", attachment{"audio.ogg", "audio/ogg", []byte("OggS....")}, "escuta", "invalid_request",
				"WhatsApp shows no caption on voice messages", `id="reply-text" name="text"`},
		}
		for _, c := range cases {
			status, _, body := b.replyForm(conv, c.text, &c.file, nil)
			require.Equal(t, http.StatusUnprocessableEntity, status, c.name)
			require.Contains(t, body, `data-code="`+c.code+`"`, c.name)
			require.Contains(t, body, `<code class="code">`+c.code+`</code>`, c.name+": the code shows")
			require.Contains(t, body, c.fix, c.name)
			require.Contains(t, body, ">"+c.text+"</textarea>", c.name+": the text is kept")
			// The field at fault is marked.
			i := strings.Index(body, c.field)
			require.GreaterOrEqual(t, i, 0, c.name)
			tag := body[i : i+strings.Index(body[i:], ">")]
			require.Contains(t, tag, `aria-invalid="true"`, c.name)
		}
		// A good file once the 24-hour window has closed: refused before
		// the upload, and the box offers templates instead.
		closeWindow(t, env)
		status, _, body := b.replyForm(conv, "", &attachment{"foto.png", "image/png", testPNG(t)}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `data-code="outside_window"`)
		require.Contains(t, body, "send an approved template")
		require.NotContains(t, body, `id="reply-file"`, "no attachment outside the window")

		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`), "nothing is stored")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM message_media`), "no file is kept")
		require.Empty(t, env.App.Sandbox.Sent(), "nothing is sent")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM media_blobs`))
	})
}

// TestReplyBoxSendsAnAttachment sends a picture with a caption from the
// reply box: it reaches the sandbox as an image message with the id of
// the Cloud API upload, and the chat shows it from our own media URL,
// which serves the very bytes uploaded. The same multipart form without a
// file sends its text; another site's post and an agent who may not see
// the chat are refused, and send nothing.
func TestReplyBoxSendsAnAttachment(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		b, conv := composeChat(t, env)
		pic := testPNG(t)
		_, _, page := b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Contains(t, page, `<form class="reply" method="post" enctype="multipart/form-data" action="/inbox/`+conv+`/reply">`,
			"without JS the reply form carries a file")
		require.Contains(t, page, `<input type="file" id="reply-file" name="file" accept="image/jpeg,image/png,`)

		status, _, _ := b.replyForm(conv, "x", &attachment{"evil.png", "image/png", pic}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		require.Equal(t, http.StatusForbidden, status, "another site cannot post the reply box")
		supportAgents(t, env, agent.SupportAgentsSettings{RestrictToAssigned: true})
		admin := newMember(t, env, "boss@example.com", agent.RoleAdmin)
		var ana int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id FROM users WHERE email = 'ana@example.com'`).Scan(&ana))
		status, _, _ = admin.b.do(http.MethodPost, "/inbox/"+conv+"/assign", url.Values{"user_id": {strconv.FormatInt(ana, 10)}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		other := newMember(t, env, "two@example.com", agent.RoleAgent)
		status, _, _ = other.b.replyForm(conv, "x", &attachment{"x.png", "image/png", pic}, nil)
		require.Equal(t, http.StatusNotFound, status, "an agent who may not see the chat")
		supportAgents(t, env, agent.SupportAgentsSettings{})
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`))

		status, h, body := b.replyForm(conv, "Segue o orçamento", &attachment{"orcamento.png", "image/png", pic}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		require.Equal(t, "/inbox/"+conv, h.Get("Location"))

		var id int64
		var content string
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id, content FROM messages WHERE direction = 'out' AND type = 'image'`).Scan(&id, &content))
		var payload struct {
			Image struct{ ID, Caption string }
		}
		require.NoError(t, json.Unmarshal([]byte(content), &payload))
		require.NotEmpty(t, payload.Image.ID, "sent by the id of the upload")
		require.Equal(t, "Segue o orçamento", payload.Image.Caption)
		env.Eventually(func() bool {
			for _, m := range env.App.Sandbox.Sent() {
				if m.Type == "image" && strings.Contains(string(m.Payload), payload.Image.ID) {
					return true
				}
			}
			return false
		}, "the sandbox received the image message")

		mid := strconv.FormatInt(id, 10)
		status, _, page = b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, page, `<img src="/inbox/`+conv+`/media/`+mid+`"`, "the chat shows the picture")
		require.Contains(t, page, "Segue o orçamento")
		status, mh, file := b.do(http.MethodGet, "/inbox/"+conv+"/media/"+mid, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "image/png", mh.Get("Content-Type"))
		require.Equal(t, string(pic), file, "the inbox serves the bytes uploaded")

		status, _, _ = b.replyForm(conv, "E o texto também", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			return sentTo(env, func(text, _ string, _ []string) bool { return text == "E o texto também" })
		}, "a multipart form without a file sends its text")
	})
}

// TestRetriedAttachmentKeepsItsFile sends a picture whose send fails at
// WhatsApp; Retry sends it again as a new message, which shows the same
// kept file.
func TestRetriedAttachmentKeepsItsFile(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		b, conv := composeChat(t, env)
		pic := testPNG(t)
		env.App.Sandbox.FailNext(env.App.Sandbox.Senders()[0].PhoneNumberID, 1, 131009)
		status, _, body := b.replyForm(conv, "de novo", &attachment{"foto.png", "image/png", pic}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'failed'`) == 1
		}, "the send failed")
		var failed string
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT CAST(id AS TEXT) FROM messages WHERE direction = 'out'`).Scan(&failed))

		status, _, _ = b.do(http.MethodPost, "/inbox/"+conv+"/retry/"+failed, url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		var again string
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT CAST(id AS TEXT) FROM messages WHERE direction = 'out' AND id <> ?`, failed).Scan(&again))
		env.Eventually(func() bool {
			for _, m := range env.App.Sandbox.Sent() {
				if m.Type == "image" && m.Text == "de novo" {
					return true
				}
			}
			return false
		}, "the retry reached the sandbox")
		_, _, page := b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Contains(t, page, `<img src="/inbox/`+conv+`/media/`+again+`"`)
		status, _, file := b.do(http.MethodGet, "/inbox/"+conv+"/media/"+again, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, string(pic), file)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM media_blobs`))
	})
}
