package ui

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
)

// mediaWait is how long a request for a file still being fetched waits
// for it before answering 409.
const mediaWait = 10 * time.Second

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
	if u.Media != nil {
		sm, err := u.Media.OpenWait(r.Context(), msgID, mediaWait, 200*time.Millisecond)
		switch {
		case !errors.Is(err, messaging.ErrNoStoredMedia) && sm.ConversationID != convID:
			if sm.Body != nil {
				_ = sm.Body.Close()
			}
			http.Error(w, "not found", http.StatusNotFound) // another chat's message, whatever its state
			return
		case err == nil:
			defer sm.Body.Close()
			writeMediaHeaders(w, sm.Type, sm.MimeType, sm.Filename, msgID, sm.Size)
			_, _ = io.Copy(w, sm.Body)
			return
		case !errors.Is(err, messaging.ErrNoStoredMedia):
			u.mediaError(w, r, msgID, err)
			return
		}
		// A message from before media were kept: fetched on demand below.
	}
	f, err := u.Messaging.MessageMedia(r.Context(), u.Outbox.MediaClient, convID, msgID)
	if err != nil {
		u.mediaError(w, r, msgID, err)
		return
	}
	writeMediaHeaders(w, f.Type, f.MimeType, f.Filename, msgID, int64(len(f.Data)))
	_, _ = w.Write(f.Data)
}

// mediaError answers a media request that failed: 404 for what the user
// may not see or that does not exist, the recorded reason otherwise.
func (u *UI) mediaError(w http.ResponseWriter, r *http.Request, msgID int64, err error) {
	ae, named := apperr.As(err)
	switch {
	case named && ae.Kind == apperr.KindNotFound:
		http.Error(w, "not found", http.StatusNotFound)
	case named && ae.Kind == apperr.KindConflict:
		http.Error(w, ae.Message, http.StatusConflict) // still being fetched
	case named && ae.Kind != apperr.KindInternal:
		u.Log.Warn("media download failed", "message", msgID, "err", err)
		http.Error(w, ae.Message, http.StatusBadGateway)
	default:
		u.fail(w, r, err)
	}
}

// writeMediaHeaders sets the headers of a media answer: its type, the
// browser's private caching, a sandboxing CSP and, for documents and
// types not shown inline, an attachment name.
func writeMediaHeaders(w http.ResponseWriter, msgType, mimeType, filename string, msgID, size int64) {
	h := w.Header()
	h.Set("Content-Type", mimeType)
	h.Set("X-Content-Type-Options", "nosniff")
	// The bytes of a message never change: the browser may keep them,
	// but no shared cache may.
	h.Set("Cache-Control", "private, max-age=86400")
	// A document is saved, never rendered in our origin; other media
	// types the browser shows get a sandboxing CSP all the same.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if msgType == "document" || !inlineMedia(mimeType) {
		name := filename
		if name == "" {
			name = "file-" + strconv.FormatInt(msgID, 10)
		}
		disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
		if disposition == "" {
			disposition = "attachment"
		}
		h.Set("Content-Disposition", disposition)
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
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
