package ui

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
)

// media serves the image, voice note, video, document or sticker of a
// message to a user who may see its conversation. The server fetched it
// through the Cloud API (messaging.MessageMedia), so the page only ever
// names this URL: never Meta's URL nor the access token.
func (u *UI) media(w http.ResponseWriter, r *http.Request) {
	convID, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	msgID, err2 := strconv.ParseInt(r.PathValue("msg"), 10, 64)
	if err1 != nil || err2 != nil || !u.canSeeConversation(r.Context(), userFrom(r.Context()), convID) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	f, err := u.Messaging.MessageMedia(r.Context(), u.Outbox.MediaClient, convID, msgID)
	if err != nil {
		ae, named := apperr.As(err)
		switch {
		case named && ae.Kind == apperr.KindNotFound:
			http.Error(w, "not found", http.StatusNotFound)
		case named && ae.Kind != apperr.KindInternal:
			u.Log.Warn("media download failed", "message", msgID, "err", err)
			http.Error(w, ae.Message, http.StatusBadGateway)
		default:
			u.fail(w, r, err)
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.MimeType)
	h.Set("X-Content-Type-Options", "nosniff")
	// The bytes of a message never change: the browser may keep them,
	// but no shared cache may.
	h.Set("Cache-Control", "private, max-age=86400")
	// A document is saved, never rendered in our origin; other media
	// types the browser shows get a sandboxing CSP all the same.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if f.Type == "document" || !inlineMedia(f.MimeType) {
		name := f.Filename
		if name == "" {
			name = "file-" + strconv.FormatInt(msgID, 10)
		}
		disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
		if disposition == "" {
			disposition = "attachment"
		}
		h.Set("Content-Disposition", disposition)
	}
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	_, _ = w.Write(f.Data)
}

// inlineMedia reports whether a type is shown in the chat rather than
// downloaded: pictures, sound and video, but never SVG (it can carry
// script).
func inlineMedia(mimeType string) bool {
	if mimeType == "image/svg+xml" {
		return false
	}
	for _, p := range []string{"image/", "audio/", "video/"} {
		if strings.HasPrefix(mimeType, p) {
			return true
		}
	}
	return false
}
