package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// UploadMedia uploads a file for sending, as the Cloud API documents it:
// POST /{phone-number-id}/media, multipart/form-data with
// messaging_product=whatsapp, type=<MIME type> and the file itself. Meta
// answers {"id": "<media id>"}; a message then sends the media by that id.
func (c *Client) UploadMedia(ctx context.Context, token, phoneNumberID, mimeType, filename string, data []byte) (string, error) {
	if len(data) == 0 {
		return "", errors.New("whatsapp: empty media file")
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("messaging_product", "whatsapp"); err != nil {
		return "", err
	}
	if err := w.WriteField("type", mimeType); err != nil {
		return "", err
	}
	if filename == "" {
		filename = "file"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoteEscaper.Replace(filename)))
	h.Set("Content-Type", mimeType)
	part, err := w.CreatePart(h)
	if err != nil {
		return "", err
	}
	if _, err := part.Write(data); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	u, err := c.endpoint(nil, phoneNumberID, "media")
	if err != nil {
		return "", err
	}
	var resp struct {
		ID json.RawMessage `json:"id"`
	}
	if err := c.doTyped(ctx, http.MethodPost, u, token, buf.Bytes(), w.FormDataContentType(), &resp); err != nil {
		return "", err
	}
	id := strings.Trim(string(resp.ID), `"`)
	if id == "" || id == "null" {
		return "", errors.New("whatsapp: media upload accepted but the response has no id")
	}
	return id, nil
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

// MarkRead marks the customer's message messageID (a wamid) as read:
// POST /{phone-number-id}/messages with {"messaging_product":"whatsapp",
// "status":"read","message_id":…}, answered {"success": true}. The
// customer sees blue ticks on it and on the messages before it.
func (c *Client) MarkRead(ctx context.Context, token, phoneNumberID, messageID string) error {
	if messageID == "" {
		return errors.New("whatsapp: mark as read needs the message id")
	}
	body, err := json.Marshal(map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": messageID})
	if err != nil {
		return err
	}
	u, err := c.endpoint(nil, phoneNumberID, "messages")
	if err != nil {
		return err
	}
	var resp struct {
		Success bool `json:"success"`
	}
	if err := c.do(ctx, http.MethodPost, u, token, body, &resp); err != nil {
		return err
	}
	if !resp.Success {
		return errors.New("whatsapp: mark as read not acknowledged (no success in the answer)")
	}
	return nil
}
