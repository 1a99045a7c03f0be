package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// SendTypingIndicator marks the customer's message messageID as read and
// shows "typing…" in their chat until our next message or for up to 25
// seconds, whichever comes first (Cloud API: POST /{phone-number-id}/messages
// with status "read" and a typing_indicator). The assistant sends it
// before waiting its configured delay, so the wait reads as typing.
func (c *Client) SendTypingIndicator(ctx context.Context, token, phoneNumberID, messageID string) error {
	if messageID == "" {
		return errors.New("whatsapp: typing indicator needs the message id it answers")
	}
	body, err := json.Marshal(map[string]any{
		"messaging_product": "whatsapp",
		"status":            "read",
		"message_id":        messageID,
		"typing_indicator":  map[string]string{"type": "text"},
	})
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
		return errors.New("whatsapp: typing indicator not acknowledged (no success in the answer)")
	}
	return nil
}
