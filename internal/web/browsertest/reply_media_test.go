package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/sandbox"
)

// TestReplyBoxSendsAPictureAndShowsCustomerMedia plays an agent who
// answers a sandbox customer with a photo from the reply box: a file
// dropped on the box shows in the preview and is removed again, a file
// WhatsApp refuses is named with its code before anything is sent, and a
// picture chosen with the picker goes with its caption: the sandbox
// receives the Cloud API media upload (the very bytes) and the image
// message naming it, and the chat shows the picture. Then the customer
// sends a photo and a voice note, and both play in the chat.
func TestReplyBoxSendsAPictureAndShowsCustomerMedia(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "agent")
	p.login("ana@example.com")
	sb := p.env.App.Sandbox
	sender := sb.Senders()[0].PhoneNumberID
	const phone, name = "+5511977776666", "Bia Cliente"
	_, err := sb.CustomerWrites(sender, phone, name, "Pode mandar a foto do produto?")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM conversations`) == 1 }, "the conversation is stored")
	p.goTo("/inbox/" + p.conversationID())
	p.waitText("#messages", "Pode mandar a foto do produto?")

	// Dropped on the chat, shown, removed.
	p.drop("rascunho.png", "image/png")
	p.waitText("#attach-preview", "rascunho.png")
	p.do(chromedp.Click(chromedp.CSS("#attach-preview .attach-remove")))
	p.waitHidden("#attach-preview")
	require.Zero(t, p.eval(`document.getElementById("reply-file").files.length`), "the removed file is not sent")
	// A file WhatsApp refuses never leaves the browser.
	p.drop("fotos.zip", "application/zip")
	p.waitText("#attach-error", "unsupported_media_type")
	require.Zero(t, p.eval(`document.getElementById("reply-file").files.length`))

	pic := pngFile(t)
	path := filepath.Join(t.TempDir(), "produto.png")
	require.NoError(t, os.WriteFile(path, pic, 0o600))
	p.do(chromedp.SetUploadFiles(chromedp.ID("reply-file"), []string{path}))
	p.waitText("#attach-preview", "produto.png")
	p.waitVisible("#attach-preview .attach-thumb")
	p.do(chromedp.SendKeys(chromedp.ID("reply-text"), "Aqui está o produto"))
	p.shot("reply-attachment")
	p.submit(chromedp.Click(chromedp.CSS(".reply button.send")))
	p.waitText("#messages .out", "Aqui está o produto")
	p.waitLoaded("#messages .out img")

	var sent sandbox.SentMessage
	p.eventually(func() bool {
		for _, m := range sb.Sent() {
			if m.Type == "image" {
				sent = m
				return true
			}
		}
		return false
	}, "the sandbox received the image message")
	var payload struct {
		Image struct{ ID, Caption string }
	}
	require.NoError(t, json.Unmarshal(sent.Payload, &payload))
	require.Equal(t, "Aqui está o produto", payload.Image.Caption)
	require.Equal(t, pic, p.sandboxMedia(payload.Image.ID), "the sandbox holds the uploaded bytes under the message's media id")

	// The customer answers with a photo and a voice note.
	_, err = sb.CustomerSendsImage(sender, phone, name, "o meu é este")
	require.NoError(t, err)
	_, err = sb.CustomerSendsVoiceNote(sender, phone, name)
	require.NoError(t, err)
	p.waitText("#messages .in", "o meu é este")
	p.waitLoaded("#messages .in img")
	p.waitVisible("#messages .in audio")
	status, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector("#messages .in audio").src).then(r => r.status + " " + r.headers.get("content-type"))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, "200 audio/ogg", status, "the voice note plays from the chat")
	p.shot("chat-reply-media")
}

// drop drops a small file on the chat's messages, as dragging one from
// the desktop does.
func (p *page) drop(name, mimeType string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File([new Uint8Array([137, 80, 78, 71, 1, 2, 3])], `+jsString(name)+`, { type: `+jsString(mimeType)+` }));
		const target = document.getElementById("messages");
		target.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
		return target.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
	})()`))
	require.NoError(p.t, err)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eval returns a number the page computes.
func (p *page) eval(expr string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](expr))
	require.NoError(p.t, err)
	return n
}

// waitHidden waits until the element matching css is hidden.
func (p *page) waitHidden(css string) {
	p.t.Helper()
	p.do(chromedp.WaitNotVisible(chromedp.CSS(css)))
}

// waitLoaded waits until the picture matching css has loaded.
func (p *page) waitLoaded(css string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.PollFunction[bool](
		`(css) => { const img = document.querySelector(css); return !!img && img.complete && img.naturalWidth > 0; }`,
		chromedp.WithPollingArgs(css), chromedp.WithPollingTimeout(waitTimeout), chromedp.WithPollingInterval(100*time.Millisecond)))
	require.NoError(p.t, err, "the picture %s loads", css)
}

// sandboxMedia downloads a media id from the sandbox the way zapflow
// fetches a customer's file (GET /{media-id}, then its URL with the token).
func (p *page) sandboxMedia(mediaID string) []byte {
	p.t.Helper()
	ctx := context.Background()
	var accountID int64
	require.NoError(p.t, p.env.App.DB.Read().QueryRow(ctx, `SELECT account_id FROM senders LIMIT 1`).Scan(&accountID))
	acc, err := p.env.App.Accounts.CachedAccount(ctx, accountID)
	require.NoError(p.t, err)
	client, ok := p.env.App.Outbox.MediaClient(acc)
	require.True(p.t, ok)
	info, err := client.MediaInfo(ctx, acc.AccessToken, mediaID)
	require.NoError(p.t, err)
	data, _, err := client.DownloadMedia(ctx, acc.AccessToken, info.URL, 5<<20)
	require.NoError(p.t, err)
	return data
}

// pngFile is a small real picture.
func pngFile(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for x := range 24 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{R: uint8(x * 10), G: 128, B: uint8(y * 15), A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}
