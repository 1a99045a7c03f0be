package ui

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
)

// Attachments of the reply box: the reply form is multipart/form-data, so
// a file chosen with the picker (or dropped on the box, compose_attach.js)
// goes with the text as its caption, through the same path as the API's
// upload (messaging.Outbox.SendUpload: WhatsApp's MIME and size limits
// and every send rule checked before anything is uploaded, then the Cloud
// API's media upload, then the message). A refused file shows its named
// error and fix beside the box, with nothing uploaded or sent.

// attachRules are the files WhatsApp takes, by MIME type, with the size
// limit of each (the Cloud API's supported media types). The page hands
// them to the picker (accept) and to compose_attach.js, which refuses a
// file before it is sent; messaging.CheckMedia is the one that decides.
var attachRules = []struct {
	mime string
	max  int64
}{
	{"image/jpeg", 5 << 20}, {"image/png", 5 << 20},
	{"video/mp4", 16 << 20}, {"video/3gpp", 16 << 20},
	{"audio/aac", 16 << 20}, {"audio/amr", 16 << 20}, {"audio/mpeg", 16 << 20}, {"audio/mp4", 16 << 20}, {"audio/ogg", 16 << 20},
	{"image/webp", 500 << 10},
	{"application/pdf", 100 << 20}, {"text/plain", 100 << 20},
	{"application/msword", 100 << 20}, {"application/vnd.ms-excel", 100 << 20}, {"application/vnd.ms-powerpoint", 100 << 20},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", 100 << 20},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 100 << 20},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", 100 << 20},
}

// isMultipartForm reports a multipart/form-data request.
func isMultipartForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// replyMultipart handles the reply form sent as multipart/form-data: with
// a file, a media message captioned with the text; without, the text.
func (u *UI) replyMultipart(w http.ResponseWriter, r *http.Request) {
	up, readErr := readAttachForm(w, r)
	d, ok := u.conversationPage(w, r)
	if !ok {
		return
	}
	text := r.PostForm.Get("text")
	d.Draft = text
	if readErr != nil {
		u.attachRefused(w, r, d, readErr)
		return
	}
	if up == nil {
		u.sendText(w, r, d, text)
		return
	}
	typ := attachType(up.MimeType)
	m := &messaging.Media{Caption: text}
	if typ == "document" {
		m.Filename = up.Filename
	}
	req := messaging.SendRequest{Type: typ, SenderID: d.Current.SenderID, To: d.Current.ContactPhone, Source: agentSource(r.Context())}
	req.SetMedia(typ, m) // attachType gives one of the media types
	if _, err := u.Outbox.SendUpload(r.Context(), req, *up); err != nil {
		u.attachRefused(w, r, d, err)
		return
	}
	http.Redirect(w, r, chatURL(d.Current.ID), http.StatusSeeOther)
}

// readAttachForm parses the form, bounded by the largest file WhatsApp
// takes, and returns its file (nil when none was chosen). r.Form is set
// whatever happens, so the page can be rendered again.
func readAttachForm(w http.ResponseWriter, r *http.Request) (*messaging.Upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, messaging.MaxUploadSize+maxFormBody)
	err := r.ParseMultipartForm(8 << 20)
	if r.Form == nil {
		r.Form = url.Values{}
	}
	if r.PostForm == nil {
		r.PostForm = url.Values{}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apperr.Invalid("file", "media_too_large", "media too large: the largest file WhatsApp takes is a 100 MB document")
		}
		return nil, apperr.Invalid("file", "invalid_request", "the form could not be read: "+err.Error())
	}
	file, hdr, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Invalid("file", "invalid_request", "the file could not be read: "+err.Error())
	}
	defer file.Close()
	data := make([]byte, hdr.Size)
	if _, err := io.ReadFull(file, data); err != nil {
		return nil, apperr.Invalid("file", "invalid_request", "the file could not be read: "+err.Error())
	}
	up := &messaging.Upload{Filename: filepath.Base(hdr.Filename), Data: data, MimeType: hdr.Header.Get("Content-Type")}
	if mt, _, _ := mime.ParseMediaType(up.MimeType); mt == "" || mt == "application/octet-stream" {
		up.MimeType = sniffMIME(up.Filename, data)
	}
	return up, nil
}

// attachType is the message type a file goes as: a WebP is a sticker,
// other pictures, video and audio go as themselves, anything else as a
// document (whose MIME type CheckMedia then checks).
func attachType(mimeType string) string {
	mt, _, _ := mime.ParseMediaType(mimeType)
	mt = strings.ToLower(mt)
	switch {
	case mt == "image/webp":
		return "sticker"
	case strings.HasPrefix(mt, "image/"):
		return "image"
	case strings.HasPrefix(mt, "video/"):
		return "video"
	case strings.HasPrefix(mt, "audio/"):
		return "audio"
	}
	return "document"
}

// sniffMIME names a file the browser sent without a type: by its
// extension, else by its bytes.
func sniffMIME(name string, data []byte) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t
	}
	return http.DetectContentType(data)
}

// attachRefused shows a refused file or send beside the box with its
// code and fix (422); the text is kept, the file must be chosen again.
func (u *UI) attachRefused(w http.ResponseWriter, r *http.Request, d inboxData, err error) {
	code, msg, field, ok := namedProblem(err)
	if !ok {
		u.fail(w, r, err)
		return
	}
	d.Problem, d.Compose.Code, d.Compose.Field = msg, code, field
	d.Compose.Fix = fixFor(r.Context(), code)
	switch {
	case strings.HasSuffix(field, ".caption"):
		// WhatsApp shows no caption on voice messages and stickers.
		d.Compose.Field, d.Compose.Fix = "text", t(r.Context(), "compose.fix.attach_caption")
	case field == "file" && code == "invalid_request":
		d.Compose.Fix = t(r.Context(), "compose.fix.attach_unread")
	}
	render(w, r, http.StatusUnprocessableEntity, inboxView(d))
}

// attachAccept is the picker's accept list.
func attachAccept() string {
	types := make([]string, len(attachRules))
	for i, r := range attachRules {
		types[i] = r.mime
	}
	return strings.Join(types, ",")
}

// attachRulesJSON is {"mime": max bytes, …} for compose_attach.js.
func attachRulesJSON() string {
	m := make(map[string]int64, len(attachRules))
	for _, r := range attachRules {
		m[r.mime] = r.max
	}
	b, _ := json.Marshal(m)
	return string(b)
}
