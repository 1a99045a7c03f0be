package whatsapp

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSummaryAndContentOfFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		summary string
		content string // "" means nil
	}{
		{"text.json", "Grüße! Haben Sie das auch in äöå? 👍", `{"body":"Grüße! Haben Sie das auch in äöå? 👍"}`},
		{"image.json", "This one, in blue", `{"id":"1003383421387256","mime_type":"image/jpeg","sha256":"9Cbo0a3vnf5s3Kqnc0u4r1xGJsR+e7x9NMA+dZ0cNmQ=","caption":"This one, in blue"}`},
		{"video.json", "[video]", `{"id":"1184406256234722","mime_type":"video/mp4","sha256":"T4xVGLOn2mQ1x7ukq4cvbQ1k5t0e0m+3LMTKcS7Rw1g="}`},
		{"audio_voice.json", "[voice message]", `{"id":"2066431310537455","mime_type":"audio/ogg; codecs=opus","sha256":"SLNq3zWQ5V0M7t1d2d8k8u0d1mZ2pE0cVq8m6cXh3yQ=","voice":true}`},
		{"document.json", "Signed quote", `{"id":"1258925512307421","mime_type":"application/pdf","sha256":"Bz3x8v0Ck8r3Hh8hVZ0o1k4V1s0p1J8y9Y0m3yQeG1A=","caption":"Signed quote","filename":"quote-2025-0612.pdf"}`},
		{"sticker.json", "[sticker]", `{"id":"1228216671548431","mime_type":"image/webp","sha256":"Z0XrB2wJe8m2n0zS4m1x2bC3d4e5f6g7h8i9j0k1l2M=","animated":true}`},
		{"location.json", "📍 Philz Coffee", `{"latitude":37.483307,"longitude":-122.148981,"name":"Philz Coffee","address":"1 Hacker Way, Menlo Park, CA 94025","url":"https://philzcoffee.com"}`},
		{"contacts.json", "👤 Pablo Morales", `[{"name":{"first_name":"Pablo","last_name":"Morales","formatted_name":"Pablo Morales"},"org":{"company":"Lucky Shrub"},"phones":[{"phone":"+1 (650) 555-4321","wa_id":"16505554321","type":"MOBILE"}]}]`},
		{"interactive_button_reply.json", "Yes, book it", `{"type":"button_reply","button_reply":{"id":"confirm_yes","title":"Yes, book it"}}`},
		{"interactive_list_reply.json", "Tuesday 10:00", `{"type":"list_reply","list_reply":{"id":"slot_tue_10","title":"Tuesday 10:00","description":"With Dr. Alvarez, 30 min"}}`},
		{"interactive_nfm_reply.json", "[form response]", `{"type":"nfm_reply","nfm_reply":{"name":"flow","body":"Sent","response_json":"{\"flow_token\":\"lead-42\",\"email\":\"sheena@example.com\"}"}}`},
		{"button.json", "Stop promotions", `{"payload":"UNSUBSCRIBE_MARKETING","text":"Stop promotions"}`},
		{"reaction.json", "reacted ❤️", `{"message_id":"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0NjVFQjk1OTFGQkZBRDg3RTMA","emoji":"❤️"}`},
		{"order.json", "🛒 order, 2 items: Please deliver before Friday", `{"catalog_id":"194836987003835","text":"Please deliver before Friday","product_items":[{"product_retailer_id":"succ-aloe-s","quantity":2,"item_price":12.5,"currency":"USD"},{"product_retailer_id":"pot-terracotta-m","quantity":1,"item_price":8,"currency":"USD"}]}`},
		{"unsupported.json", "[unsupported message]", `{"errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown","details":"Message type is currently not supported."}]}`},
		{"system.json", "Sheena changed their phone number to a new number 16505559876", `{"body":"Sheena changed their phone number to a new number 16505559876","wa_id":"16505559876","type":"user_changed_number"}`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			events, err := ParseWebhook(readFixture(t, tt.file))
			require.NoError(t, err)
			require.Len(t, events, 1)
			m := events[0].Message
			require.NotNil(t, m)
			require.Equal(t, tt.summary, m.Summary())
			if tt.content == "" {
				require.Nil(t, m.Content())
			} else {
				require.JSONEq(t, tt.content, string(m.Content()))
			}
		})
	}
}

func TestSummaryEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  InboundMessage
		want string
	}{
		{"removed reaction", InboundMessage{Type: "reaction", Reaction: &Reaction{MessageID: "m"}}, "removed a reaction"},
		{"document without caption", InboundMessage{Type: "document", Document: &Media{Filename: "a.pdf"}}, "[document] a.pdf"},
		{"plain audio", InboundMessage{Type: "audio", Audio: &Media{ID: "1"}}, "[audio]"},
		{"location without name", InboundMessage{Type: "location", Location: &Location{Latitude: 1.5, Longitude: -2}}, "📍 1.5, -2"},
		{"location with address only", InboundMessage{Type: "location", Location: &Location{Address: "Main St 1"}}, "📍 Main St 1"},
		{"several contacts", InboundMessage{Type: "contacts", Contacts: json.RawMessage(`[{"name":{"formatted_name":"A"}},{"name":{"formatted_name":"B"}}]`)}, "👤 A +1"},
		{"unreadable contacts", InboundMessage{Type: "contacts", Contacts: json.RawMessage(`{}`)}, "[contacts]"},
		{"one item order", InboundMessage{Type: "order", Order: json.RawMessage(`{"product_items":[{}]}`)}, "🛒 order, 1 item"},
		{"button with payload only", InboundMessage{Type: "button", Button: &Button{Payload: "P"}}, "P"},
		{"text without content", InboundMessage{Type: "text"}, "[text]"},
		{"empty text body", InboundMessage{Type: "text", Text: &Text{}}, "[text]"},
		{"unknown interactive", InboundMessage{Type: "interactive", Interactive: &Interactive{Type: "call_permission_reply"}}, "[interactive]"},
		{"newer type", InboundMessage{Type: "request_welcome"}, "[request_welcome]"},
		{"unknown type", InboundMessage{Type: "unknown"}, "[unsupported message]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.msg.Summary())
		})
	}
}

func TestContentWithoutObject(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{"text", "image", "location", "interactive", "request_welcome", "unknown"} {
		require.Nil(t, InboundMessage{Type: typ}.Content(), typ)
	}
}
