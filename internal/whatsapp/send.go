package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// SendResult is what Meta answers to an accepted send. Accepted is not
// delivered: delivery arrives later as status webhooks for WAMID.
type SendResult struct {
	WAMID string `json:"wamid"`
	// WAID is the recipient's wa_id as WhatsApp resolved the "to" number;
	// it may differ from what was sent (country code rules, BR/MX).
	WAID string `json:"wa_id,omitempty"`
	// MessageStatus is set only for paced template sends: accepted,
	// held_for_quality_assessment or paused.
	MessageStatus string `json:"message_status,omitempty"`
}

// SendMessage POSTs payload, an already-built Cloud API message object
// (messaging_product, to, type, ...), to /{version}/{phone-number-id}/messages
// and returns the new message's wamid. payload may be any value
// encoding/json accepts, or json.RawMessage / []byte holding the JSON as is.
// Failures from Meta are *APIError; a 2xx answer without a message id is an
// error too, since nothing could then be tracked.
func (c *Client) SendMessage(ctx context.Context, token, phoneNumberID string, payload any) (SendResult, error) {
	body, err := encodePayload(payload)
	if err != nil {
		return SendResult{}, err
	}
	u, err := c.endpoint(nil, phoneNumberID, "messages")
	if err != nil {
		return SendResult{}, err
	}
	var resp struct {
		Contacts []struct {
			WAID string `json:"wa_id"`
		} `json:"contacts"`
		Messages []struct {
			ID            string `json:"id"`
			MessageStatus string `json:"message_status"`
		} `json:"messages"`
	}
	if err := c.do(ctx, http.MethodPost, u, token, body, &resp); err != nil {
		return SendResult{}, err
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return SendResult{}, errors.New("whatsapp: send accepted but the response has no message id")
	}
	r := SendResult{WAMID: resp.Messages[0].ID, MessageStatus: resp.Messages[0].MessageStatus}
	if len(resp.Contacts) > 0 {
		r.WAID = resp.Contacts[0].WAID
	}
	return r, nil
}

// encodePayload turns a send payload into request bytes, passing
// pre-encoded JSON through unchanged.
func encodePayload(payload any) ([]byte, error) {
	var body []byte
	switch p := payload.(type) {
	case nil:
		return nil, errors.New("whatsapp: nil message payload")
	case json.RawMessage:
		body = p
	case []byte:
		body = p
	default:
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("whatsapp: encode message payload: %w", err)
		}
		body = b
	}
	if !json.Valid(body) || bytes.TrimSpace(body)[0] != '{' {
		return nil, errors.New("whatsapp: message payload is not a JSON object")
	}
	return body, nil
}
