package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/messaging"
)

// isMultipart reports a multipart/form-data request (a file upload).
func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// maxFormFields bounds the text fields of an upload form.
const maxFormFields = 64 << 10

// decodeUploadForm reads POST /api/v1/messages as multipart/form-data:
// text fields sender, to, type, caption, filename, reply_to,
// recipient_name, wait, and the file in "file". Its MIME type is the
// part's Content-Type (or guessed from the name and bytes when absent).
func decodeUploadForm(w http.ResponseWriter, r *http.Request) (sendBody, *messaging.Upload, error) {
	var body sendBody
	r.Body = http.MaxBytesReader(w, r.Body, messaging.MaxUploadSize+maxFormFields)
	mr, err := r.MultipartReader()
	if err != nil {
		return body, nil, apperr.Invalid("", "invalid_request", "the body is not valid multipart/form-data: "+err.Error())
	}
	fields := map[string]string{}
	var up *messaging.Upload
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return body, nil, formReadErr(err)
		}
		name := part.FormName()
		if name == "file" {
			data, err := io.ReadAll(part)
			if err != nil {
				return body, nil, formReadErr(err)
			}
			up = &messaging.Upload{Filename: filepath.Base(part.FileName()), Data: data, MimeType: part.Header.Get("Content-Type")}
			if up.MimeType == "" || up.MimeType == "application/octet-stream" {
				up.MimeType = guessMIME(up.Filename, data)
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFormFields))
		if err != nil {
			return body, nil, formReadErr(err)
		}
		fields[name] = string(v)
	}
	if up == nil {
		return body, nil, apperr.Invalid("file", "invalid_request", "a multipart send needs the file in the \"file\" field")
	}
	body.To, body.Type, body.RecipientName = fields["to"], fields["type"], fields["recipient_name"]
	if v := fields["sender"]; v != "" {
		body.Sender = json.RawMessage(strconv.Quote(v))
	}
	if v := fields["reply_to"]; v != "" {
		if body.ReplyTo, err = strconv.ParseInt(v, 10, 64); err != nil || body.ReplyTo <= 0 {
			return body, nil, apperr.Invalid("reply_to", "invalid_request", "reply_to must be a message id")
		}
	}
	body.Wait = fields["wait"] == "true"
	switch body.Type {
	case "image", "document", "audio", "video", "sticker":
	default:
		return body, nil, apperr.Invalid("type", "invalid_request", "a file is sent as type image, document, audio, video or sticker")
	}
	m := &messaging.Media{Caption: fields["caption"], Filename: fields["filename"]}
	if body.Type == "document" && m.Filename == "" {
		m.Filename = up.Filename
	}
	body.SetMedia(body.Type, m) // a media type: checked above
	return body, up, nil
}

func formReadErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.Invalid("file", "media_too_large", "media too large: the largest file WhatsApp accepts is a 100 MB document")
	}
	return apperr.Invalid("", "invalid_request", "cannot read the multipart body: "+err.Error())
}

// guessMIME names a file's type from its extension, else from its bytes.
func guessMIME(name string, data []byte) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t
	}
	return http.DetectContentType(data)
}

// markMessageRead is POST /api/v1/messages/{id}/read: the customer's
// message is marked read at WhatsApp (blue ticks).
func (s *server) markMessageRead(w http.ResponseWriter, r *http.Request) error {
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
			return apperr.NotFound("message")
		}
		return err
	}
	if err := s.Outbox.MarkRead(r.Context(), id); err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}
