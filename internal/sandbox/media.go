package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Media like Meta's: a customer's image, audio, video, document or
// sticker is stored under a numeric media id; GET /{media-id} answers its
// download URL, mime type and sha256, and the URL itself needs the same
// Bearer token (Meta's lookaside.fbsbx.com does). The store is bounded so a
// sandbox left running does not grow without end.

// mediaDownloadPath stands in for lookaside.fbsbx.com/whatsapp_business/attachments/.
// It lives under the Graph prefix because the outbound guard lets zapflow
// request only the sandbox's Graph API and AI model on its own address.
const mediaDownloadPath = graphPrefix + "lookaside/whatsapp_business/attachments/"

// Bounds of the media store.
const (
	maxMediaFiles = 200
	maxMediaBytes = 16 << 20 // one file (Meta's limit for video and audio)
)

type mediaFile struct {
	id       string
	mimeType string
	data     []byte
}

// mediaStore keeps the newest maxMediaFiles files, oldest first.
type mediaStore struct {
	files []mediaFile
	next  int
}

// UploadMedia stores a file as Meta's POST /{phone-number-id}/media would
// and returns its media id, for a simulated customer's media message.
func (s *Sandbox) UploadMedia(mimeType string, data []byte) (string, error) {
	if mimeType == "" || len(data) == 0 {
		return "", fmt.Errorf("%w: mime type and data are required", ErrInvalidInput)
	}
	if len(data) > maxMediaBytes {
		return "", fmt.Errorf("%w: media larger than %d bytes", ErrInvalidInput, maxMediaBytes)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media.next++
	id := strconv.Itoa(900000000000000 + s.media.next)
	s.media.files = append(s.media.files, mediaFile{id: id, mimeType: mimeType, data: append([]byte(nil), data...)})
	if len(s.media.files) > maxMediaFiles {
		s.media.files = s.media.files[len(s.media.files)-maxMediaFiles:]
	}
	return id, nil
}

func (s *Sandbox) mediaByID(id string) (mediaFile, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.media.files {
		if f.id == id {
			return f, true
		}
	}
	return mediaFile{}, false
}

// handleGetMediaOrObject serves GET /{id}: a media id answers like Meta's
// media endpoint, anything else is a phone number, the WABA or a template.
func (s *Sandbox) handleGetMediaOrObject(w http.ResponseWriter, r *http.Request) {
	f, ok := s.mediaByID(r.PathValue("id"))
	if !ok {
		s.handleGetObject(w, r)
		return
	}
	sum := sha256.Sum256(f.data)
	u := requestScheme(r) + "://" + r.Host + mediaDownloadPath + "?mid=" + f.id + "&ext=" + strconv.Itoa(len(f.data))
	writeJSON(w, http.StatusOK, map[string]any{"messaging_product": "whatsapp", "id": f.id, "url": u,
		"mime_type": f.mimeType, "sha256": base64.StdEncoding.EncodeToString(sum[:]), "file_size": len(f.data)})
}

// handleMediaDownload serves the file behind a media URL to a caller with
// the access token; without it Meta answers 401, and so does the sandbox.
func (s *Sandbox) handleMediaDownload(w http.ResponseWriter, r *http.Request) {
	if e := s.checkToken(r); e != nil {
		writeGraphError(w, e)
		return
	}
	f, ok := s.mediaByID(strings.TrimSpace(r.URL.Query().Get("mid")))
	if !ok {
		writeGraphError(w, unsupportedErr(r.Method, r.URL.Query().Get("mid")))
		return
	}
	w.Header().Set("Content-Type", f.mimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}
