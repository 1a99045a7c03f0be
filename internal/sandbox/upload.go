package sandbox

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// Media uploads like Meta's POST /{phone-number-id}/media: multipart/form-data
// with messaging_product=whatsapp, type (the MIME type) and file. The file
// is checked against WhatsApp's supported types and sizes and stored in the
// media store (media.go) under a new media id, which a message can then
// send by id and GET /{media-id} serves.

// uploadRules are WhatsApp's supported media types and their size limits.
var uploadRules = []struct {
	mimes []string
	max   int
}{
	{[]string{"image/jpeg", "image/png"}, 5 << 20},
	{[]string{"video/mp4", "video/3gpp"}, 16 << 20},
	{[]string{"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 << 20},
	{[]string{"image/webp"}, 500 << 10}, // stickers (animated; static 100 KB)
	{[]string{"text/plain", "application/pdf", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation"}, 100 << 20},
}

// uploadLimit returns the size limit of a supported MIME type, or 0.
func uploadLimit(mimeType string) int {
	for _, r := range uploadRules {
		if slices.Contains(r.mimes, mimeType) {
			return r.max
		}
	}
	return 0
}

func supportedTypes() string {
	var all []string
	for _, r := range uploadRules {
		all = append(all, r.mimes...)
	}
	return strings.Join(all, ", ")
}

// handleUpload serves POST /{version}/{phone-number-id}/media.
func (s *Sandbox) handleUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.senders[id]
	s.mu.Unlock()
	if !ok {
		writeGraphError(w, unsupportedErr(http.MethodPost, id))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 100<<20+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeGraphError(w, s.apiErr(131053, "The file is larger than WhatsApp's limit for its type."))
			return
		}
		writeGraphError(w, paramErr("Invalid parameter: the body must be multipart/form-data ("+err.Error()+")"))
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	if mp := r.FormValue("messaging_product"); mp == "" {
		writeGraphError(w, paramErr("The parameter messaging_product is required."))
		return
	} else if !strings.EqualFold(mp, "whatsapp") {
		writeGraphError(w, paramErr(fmt.Sprintf("Param messaging_product must be one of {WHATSAPP} - got %q.", mp)))
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeGraphError(w, paramErr("The parameter file is required."))
		return
	}
	defer func() { _ = f.Close() }()
	typ := r.FormValue("type")
	if typ == "" {
		typ = hdr.Header.Get("Content-Type")
	}
	if typ == "" {
		writeGraphError(w, paramErr("The parameter type is required."))
		return
	}
	mt, _, err := mime.ParseMediaType(typ)
	limit := uploadLimit(strings.ToLower(mt))
	if err != nil || limit == 0 {
		writeGraphError(w, paramErr(fmt.Sprintf("Param file must be a file with one of the following types: %s. Received file of type '%s'.", supportedTypes(), typ)))
		return
	}
	data, err := io.ReadAll(f)
	if err != nil {
		writeGraphError(w, s.apiErr(131053, "The file could not be read."))
		return
	}
	if len(data) > limit {
		writeGraphError(w, s.apiErr(131053, fmt.Sprintf("The file is %d bytes; WhatsApp allows %d bytes for %s.", len(data), limit, mt)))
		return
	}
	mediaID, err := s.UploadMedia(strings.ToLower(mt), data)
	if err != nil {
		writeGraphError(w, s.apiErr(131053, err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": mediaID})
}
