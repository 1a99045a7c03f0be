package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/messaging"
)

// sendBody is POST /api/v1/messages. sender is a sender id (number) or
// its phone_number_id (string).
type sendBody struct {
	messaging.SendRequest
	Sender json.RawMessage `json:"sender"`
	Wait   bool            `json:"wait"`
}

// maxSendWait bounds "wait": true.
const maxSendWait = 15 * time.Second

func (s *server) sendMessage(w http.ResponseWriter, r *http.Request) error {
	var body sendBody
	var upload *messaging.Upload // a file sent as multipart/form-data (api_messages_rich.go)
	if isMultipart(r) {
		b, up, err := decodeUploadForm(w, r)
		if err != nil {
			return err
		}
		body, upload = b, up
	} else if err := httpx.DecodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	req := body.SendRequest
	req.Source = "api"
	var id int64
	var ref string
	switch {
	case len(body.Sender) == 0:
	case json.Unmarshal(body.Sender, &id) == nil:
		req.SenderID = id
	case json.Unmarshal(body.Sender, &ref) == nil:
		if n, err := strconv.ParseInt(ref, 10, 64); err == nil && n > 0 && len(ref) < 10 {
			req.SenderID = n // a small number in quotes is an id, not a phone_number_id
		} else {
			req.SenderRef = ref
		}
	default:
		return apperr.Invalid("sender", "invalid_request", "sender must be a sender id or a phone_number_id")
	}
	v, err := s.Messaging.ViewerFromContext(r.Context())
	if err != nil {
		return err
	}
	if err := s.Messaging.CheckSendTo(r.Context(), v, req.SenderID, req.SenderRef, req.To); err != nil {
		return err
	}
	var m messaging.Message
	if upload != nil {
		m, err = s.Outbox.SendUpload(r.Context(), req, *upload)
	} else {
		m, err = s.Outbox.Send(r.Context(), req)
	}
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if body.Wait {
		ctx, cancel := context.WithTimeout(r.Context(), maxSendWait)
		defer cancel()
		if m, err = s.Outbox.Wait(ctx, m.ID, s.Messaging); err != nil {
			return err
		}
		if m.Status != messaging.StatusQueued {
			status = http.StatusOK
		}
	}
	httpx.JSON(w, status, m)
	return nil
}

func (s *server) getMessage(w http.ResponseWriter, r *http.Request) error {
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
	httpx.JSON(w, http.StatusOK, m)
	return nil
}
