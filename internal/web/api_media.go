package web

import (
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/settings"
)

// getMessageMedia streams an inbound message's stored file with its MIME
// type, to a key whose user may see the conversation (others get 404, as
// for the message itself). The bytes come from our store, never from
// Meta's URL, which with the token stays on the server.
func (s *server) getMessageMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Messaging.Message(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.checkConversation(r, m.ConversationID); err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
			return apperr.NotFound("message") // hidden with its chat
		}
		return err
	}
	if s.Media == nil {
		return messaging.ErrNoStoredMedia
	}
	sm, err := s.Media.Open(r.Context(), id)
	if err != nil {
		return err
	}
	defer sm.Body.Close()
	h := w.Header()
	h.Set("Content-Type", sm.MimeType)
	h.Set("Content-Length", strconv.FormatInt(sm.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("ETag", `"`+sm.SHA256+`"`)
	if sm.Filename != "" {
		if d := mime.FormatMediaType("attachment", map[string]string{"filename": sm.Filename}); d != "" {
			h.Set("Content-Disposition", d)
		}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, sm.Body) // a client that hangs up mid-file is no error of ours
	return nil
}

func (s *server) getMediaSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Media.Settings(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) putMediaSettings(w http.ResponseWriter, r *http.Request) error {
	var in messaging.MediaSettings
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	before, err := s.Media.Settings(r.Context())
	if err != nil {
		return err
	}
	v, err := s.Media.UpdateSettings(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, messaging.KeyMedia, settings.Diff(before, v))
	httpx.JSON(w, http.StatusOK, v)
	return nil
}
