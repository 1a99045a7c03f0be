package web

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
)

// getMessageMedia serves a message's image, audio, video, document or
// sticker to an API key whose user may see its conversation: the link
// webhook forwarding sends with media, so a CRM fetches it with its own
// key. Bytes come from zapflow's media cache or, once, from the Cloud
// API; Meta's URL and token are never shown.
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
	f, err := s.Messaging.MessageMedia(r.Context(), s.Outbox.MediaClient, m.ConversationID, id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", f.MimeType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	name := f.Filename
	if name == "" {
		name = "message-" + strconv.FormatInt(id, 10)
	}
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": name}); d != "" {
		h.Set("Content-Disposition", d)
	}
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	_, _ = w.Write(f.Data)
	return nil
}
