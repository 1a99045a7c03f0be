package whatsapp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testWABA    = "102290129340398"
	testPhoneID = "106540352242922"
	testDisplay = "15550783881"
	testSheena  = "16505551234"
)

// unix is a UTC time from unix seconds, as the parser produces.
func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// msgEvent wraps a message in the event the fixtures' common metadata gives.
func msgEvent(m InboundMessage) Event {
	return Event{Kind: EventMessage, WABAID: testWABA, PhoneNumberID: testPhoneID,
		DisplayPhoneNumber: testDisplay, Message: &m}
}

// statusEvent wraps a status the same way.
func statusEvent(s Status) Event {
	return Event{Kind: EventStatus, WABAID: testWABA, PhoneNumberID: testPhoneID,
		DisplayPhoneNumber: testDisplay, Status: &s}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestParseWebhookFixtures(t *testing.T) {
	t.Parallel()
	pricingMarketing := json.RawMessage(`{"billable":true,"pricing_model":"PMP","type":"regular","category":"marketing"}`)
	tests := []struct {
		file string
		want []Event
	}{
		{"text.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDNBMDFCMkMzRDRFNUY2QTdCOEM5AA==", From: "4915112345678",
			ProfileName: "Jörg Müller", Timestamp: unix(1749416383), Type: "text",
			Text: &Text{Body: "Grüße! Haben Sie das auch in äöå? 👍"},
		})}},
		{"image.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUE3QjE1MjE0RDk0QzRCQzA0OQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749416501), Type: "image",
			Image: &Media{ID: "1003383421387256", MimeType: "image/jpeg",
				SHA256: "9Cbo0a3vnf5s3Kqnc0u4r1xGJsR+e7x9NMA+dZ0cNmQ=", Caption: "This one, in blue"},
		})}},
		{"video.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUQ1RTFCNjI0QjM4RkI3NzhDNQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749416622), Type: "video",
			Video: &Media{ID: "1184406256234722", MimeType: "video/mp4",
				SHA256: "T4xVGLOn2mQ1x7ukq4cvbQ1k5t0e0m+3LMTKcS7Rw1g="},
		})}},
		{"audio_voice.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTQ4NDg0MTgyRUVGNkM3QzBGNwA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749416700), Type: "audio",
			Audio: &Media{ID: "2066431310537455", MimeType: "audio/ogg; codecs=opus",
				SHA256: "SLNq3zWQ5V0M7t1d2d8k8u0d1mZ2pE0cVq8m6cXh3yQ=", Voice: true},
		})}},
		{"document.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTlGRUQ4RjhBNzE5QjI0MTBGOQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749416805), Type: "document",
			Document: &Media{ID: "1258925512307421", MimeType: "application/pdf",
				SHA256: "Bz3x8v0Ck8r3Hh8hVZ0o1k4V1s0p1J8y9Y0m3yQeG1A=", Caption: "Signed quote",
				Filename: "quote-2025-0612.pdf"},
		})}},
		{"sticker.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTBFOTNENkU4MjI4QkZCNjdGMQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749416866), Type: "sticker",
			Sticker: &Media{ID: "1228216671548431", MimeType: "image/webp",
				SHA256: "Z0XrB2wJe8m2n0zS4m1x2bC3d4e5f6g7h8i9j0k1l2M=", Animated: true},
		})}},
		{"location.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUI2MEM1QTZFQzk1MTFBN0YyNAA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417002), Type: "location",
			Location: &Location{Latitude: 37.483307, Longitude: -122.148981, Name: "Philz Coffee",
				Address: "1 Hacker Way, Menlo Park, CA 94025", URL: "https://philzcoffee.com"},
		})}},
		{"contacts.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUYxOEM2QTNBMjE3RTkwMzI2MAA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417100), Type: "contacts",
			Contacts: json.RawMessage(`[{"name":{"first_name":"Pablo","last_name":"Morales","formatted_name":"Pablo Morales"},"org":{"company":"Lucky Shrub"},"phones":[{"phone":"+1 (650) 555-4321","wa_id":"16505554321","type":"MOBILE"}]}]`),
		})}},
		{"interactive_button_reply.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTg4QjA1RDM3RjQ2NjQwQzJBRQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417200), Type: "interactive",
			Interactive: &Interactive{Type: "button_reply", ButtonReply: &Reply{ID: "confirm_yes", Title: "Yes, book it"}},
			Context:     &Context{From: testDisplay, ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0NjVFQjk1OTFGQkZBRDg3RTMA"},
		})}},
		{"interactive_list_reply.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTc3NkI1RTkwQTQ0NjRDNDMyMQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417260), Type: "interactive",
			Interactive: &Interactive{Type: "list_reply", ListReply: &Reply{ID: "slot_tue_10",
				Title: "Tuesday 10:00", Description: "With Dr. Alvarez, 30 min"}},
			Context: &Context{From: testDisplay, ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBIzRjdCQjE2MDlBNUI4QzJEMUEA"},
		})}},
		{"interactive_nfm_reply.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUJFMzgxQUVFNjA3NEE1QkVEOQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417290), Type: "interactive",
			Interactive: &Interactive{Type: "nfm_reply",
				NFMReply: json.RawMessage(`{"name":"flow","body":"Sent","response_json":"{\"flow_token\":\"lead-42\",\"email\":\"sheena@example.com\"}"}`)},
			Context: &Context{From: testDisplay, ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBMTFGMjhFRDkxN0UzNjdCNUMA"},
		})}},
		{"button.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTVBNkI1NzQ1MjdDNjA3QjQyRAA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417333), Type: "button",
			Button:  &Button{Payload: "UNSUBSCRIBE_MARKETING", Text: "Stop promotions"},
			Context: &Context{From: testDisplay, ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QkM3RDJBMDYwM0Q0RDA2NzgA"},
		})}},
		{"reaction.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTEyMEYyRTRDNTk3NDZCNzlGMwA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417400), Type: "reaction",
			Reaction: &Reaction{MessageID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0NjVFQjk1OTFGQkZBRDg3RTMA", Emoji: "❤️"},
		})}},
		{"order.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTY2NjZDRjE5QzY1NDE0N0M5NQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417500), Type: "order",
			Order: json.RawMessage(`{"catalog_id":"194836987003835","text":"Please deliver before Friday","product_items":[{"product_retailer_id":"succ-aloe-s","quantity":2,"item_price":12.5,"currency":"USD"},{"product_retailer_id":"pot-terracotta-m","quantity":1,"item_price":8,"currency":"USD"}]}`),
		})}},
		{"unsupported.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTNCNTVEMkM4QTI5MEM1MzI1NQA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749417600), Type: "unsupported",
			Errors: []Error{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
				Details: "Message type is currently not supported."}},
		})}},
		{"system.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTJBNDI2NjA2MkMxRDQ4MzY5QQA=", From: testSheena,
			Timestamp: unix(1749417700), Type: "system",
			System: &System{Body: "Sheena changed their phone number to a new number 16505559876",
				WAID: "16505559876", Type: "user_changed_number"},
		})}},
		// A customer with a WhatsApp username who has not shared their
		// number: from_user_id instead of from, and their profile by user_id.
		{"text_username.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQjlENTQ2QzAyMjQ3NkY3MUJGMgA=", FromUserID: "US.13491208655302741918",
			ProfileName: "Sheena Nelson", Timestamp: unix(1749420100), Type: "text",
			Text: &Text{Body: "Hi, I found you by your username"},
		})}},
		{"text_referral.json", []Event{msgEvent(InboundMessage{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUM4OUY3NjdFNzNDOEE0RTg4MgA=", From: testSheena,
			ProfileName: "Sheena Nelson", Timestamp: unix(1749419000), Type: "text",
			Text: &Text{Body: "Is the aloe still on sale?"},
			Context: &Context{From: testDisplay, ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJEMkFBMzM1NUJCRTdCRjIyQTcA",
				ReferredProduct: json.RawMessage(`{"catalog_id":"194836987003835","product_retailer_id":"succ-aloe-s"}`)},
			Referral: json.RawMessage(`{"source_url":"https://fb.me/3cr4Wqqkv","source_id":"120226305854810726","source_type":"ad","body":"Succulents 20% off this week","headline":"Chat with us","media_type":"image","image_url":"https://scontent.xx.fbcdn.net/v/t45.1/ad.jpg?stp=dst-jpg\u0026oh=00_AfB","ctwa_clid":"ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a","welcome_message":{"text":"Hi! Ask us anything about the sale."}}`),
		})}},
		{"status_sent.json", []Event{statusEvent(Status{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0NjVFQjk1OTFGQkZBRDg3RTMA", Status: "sent",
			RecipientID: testSheena, Timestamp: unix(1750030073),
			Conversation:          json.RawMessage(`{"id":"72b14d6bd5407799e66f64d1b338e567","expiration_timestamp":"1750116480","origin":{"type":"marketing"}}`),
			Pricing:               pricingMarketing,
			BizOpaqueCallbackData: "run:42:step:3",
		})}},
		{"status_delivered.json", []Event{statusEvent(Status{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0NjVFQjk1OTFGQkZBRDg3RTMA", Status: "delivered",
			RecipientID: testSheena, Timestamp: unix(1750030075), Pricing: pricingMarketing,
		})}},
		{"status_read.json", []Event{statusEvent(Status{
			ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0NjVFQjk1OTFGQkZBRDg3RTMA", Status: "read",
			RecipientID: testSheena, Timestamp: unix(1750030190),
		})}},
		{"status_failed.json", []Event{statusEvent(Status{
			ID: "wamid.HBgLMTY1MDU1NTk5OTkVAgARGBI1QzM4QTdCNjE2QjlEMjE5RDIA", Status: "failed",
			RecipientID: "16505559999", Timestamp: unix(1750031000),
			Errors: []Error{{Code: 131049,
				Title:   "This message was not delivered to maintain healthy ecosystem engagement.",
				Message: "This message was not delivered to maintain healthy ecosystem engagement.",
				Details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
				Href:    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}},
		})}},
		{"template_status.json", []Event{{
			Kind: EventTemplateStatus, WABAID: testWABA, EntryTime: unix(1751247548),
			TemplateStatus: &TemplateStatusUpdate{Event: "PAUSED", TemplateID: "1304694804498707",
				Name: "coupon_expiration_reminder", Language: "en_US", Reason: "NONE", Category: "MARKETING",
				OtherInfo: json.RawMessage(`{"title":"FIRST_PAUSE","description":"Your message template has been paused for 3 hours until Jun 30, 2025 at 5:39 AM UTC because it continued to have issues."}`),
				At:        unix(1751247548)},
		}}},
		{"account_update.json", []Event{{
			Kind: EventAccountUpdate, WABAID: testWABA, EntryTime: unix(1739321024),
			AccountUpdate: &AccountUpdate{Event: "DISABLED_UPDATE",
				BanInfo: json.RawMessage(`{"waba_ban_state":"SCHEDULE_FOR_DISABLE","waba_ban_date":"2025-03-01"}`),
				Raw:     json.RawMessage(`{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"SCHEDULE_FOR_DISABLE","waba_ban_date":"2025-03-01"}}`),
				At:      unix(1739321024)},
		}}},
		{"quality_update.json", []Event{{
			Kind: EventQualityUpdate, WABAID: testWABA, DisplayPhoneNumber: testDisplay, EntryTime: unix(1748454394),
			QualityUpdate: &QualityUpdate{DisplayPhoneNumber: testDisplay, Event: "DOWNGRADE",
				CurrentLimit: "TIER_2K", OldLimit: "TIER_10K", MaxDailyConversationsPerBusiness: "TIER_2K",
				At: unix(1748454394)},
		}}},
		{"user_preferences.json", []Event{{
			Kind: EventUserPreference, WABAID: testWABA, PhoneNumberID: testPhoneID, DisplayPhoneNumber: testDisplay,
			UserPreference: &UserPreference{WAID: testSheena, Category: PreferenceMarketing, Value: PreferenceStop,
				Detail: "User requested to stop marketing messages", ProfileName: "Sheena Nelson", Timestamp: unix(1750030500)},
		}}},
		{"user_preferences_username.json", []Event{{
			Kind: EventUserPreference, WABAID: testWABA, PhoneNumberID: testPhoneID, DisplayPhoneNumber: testDisplay,
			UserPreference: &UserPreference{UserID: "BR.11815799212886844830", Category: PreferenceMarketing, Value: PreferenceResume,
				Detail: "User requested to resume marketing messages", ProfileName: "Usuária", Timestamp: unix(1750030600)},
		}}},
		{"template_category.json", []Event{{
			Kind: EventTemplateCategory, WABAID: testWABA, EntryTime: unix(1750031000),
			TemplateCategory: &TemplateCategoryUpdate{TemplateID: "278077987957091", Name: "order_update", Language: "pt_BR",
				New: "MARKETING", Previous: "UTILITY", At: unix(1750031000)},
		}}},
		{"template_category_impending.json", []Event{{
			Kind: EventTemplateCategory, WABAID: testWABA, EntryTime: unix(1750031000),
			TemplateCategory: &TemplateCategoryUpdate{TemplateID: "278077987957091", Name: "order_update", Language: "pt_BR",
				New: "UTILITY", Correct: "MARKETING", UpdateAt: unix(1750117400), At: unix(1750031000)},
		}}},
		{"value_errors.json", []Event{{
			Kind: EventError, WABAID: testWABA, PhoneNumberID: testPhoneID, DisplayPhoneNumber: testDisplay,
			EntryTime: unix(1750032000),
			Errors: []Error{{Code: 130429, Title: "Rate limit hit", Message: "Rate limit hit",
				Details: "Cloud API message throughput has been reached.",
				Href:    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}},
		}}},
		{"ms_timestamp.json", []Event{
			msgEvent(InboundMessage{
				ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUQ0QjI5RjdEQzUwNzQ5NjVCRQA=", From: testSheena,
				ProfileName: "Sheena Nelson", Timestamp: time.UnixMilli(1749418800123).UTC(), Type: "text",
				Text: &Text{Body: "sent from a client that reports milliseconds"},
			}),
			statusEvent(Status{ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0NjVFQjk1OTFGQkZBRDg3RTMA", Status: "played",
				RecipientID: testSheena, Timestamp: time.UnixMilli(1749418801456).UTC()}),
		}},
		{"batch.json", []Event{
			msgEvent(InboundMessage{
				ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMQA=", From: testSheena,
				ProfileName: "Sheena Nelson", Timestamp: unix(1749420000), Type: "text", Text: &Text{Body: "first"},
			}),
			func() Event {
				e := msgEvent(InboundMessage{
					ID: "wamid.HBgLMTY1MDU1NTQzMjEVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMgA=", From: "16505554321",
					ProfileName: "Pablo Morales", Timestamp: unix(1749420001), Type: "request_welcome",
				})
				e.Index = 1
				return e
			}(),
			{Kind: EventStatus, WABAID: testWABA, PhoneNumberID: "106540352242923", DisplayPhoneNumber: "15550783882",
				Status: &Status{ID: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3QTAwMDAwMDAwMDAwMDAwMDMA", Status: "delivered",
					RecipientID: testSheena, Timestamp: unix(1749420002)}},
			{Kind: EventQualityUpdate, WABAID: "209876543210987", DisplayPhoneNumber: "15550001111",
				EntryTime: unix(1749420010),
				QualityUpdate: &QualityUpdate{DisplayPhoneNumber: "15550001111", Event: "FLAGGED",
					CurrentLimit: "TIER_1K", At: unix(1749420010)}},
			{Kind: EventAccountUpdate, WABAID: "209876543210987", EntryTime: unix(1749420010),
				AccountUpdate: &AccountUpdate{Event: "VERIFIED_ACCOUNT", PhoneNumber: "15550001111",
					Raw: json.RawMessage(`{"phone_number":"15550001111","event":"VERIFIED_ACCOUNT"}`),
					At:  unix(1749420010)}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWebhook(readFixture(t, tt.file))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// TestParseWebhookCoversEveryFixture checks that every payload in testdata
// (also the fuzz seed corpus) is accepted and yields events, so a fixture
// added without a table entry still has to be valid.
func TestParseWebhookCoversEveryFixture(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 25)
	for _, f := range files {
		events, err := ParseWebhook(readFixture(t, filepath.Base(f)))
		require.NoError(t, err, f)
		require.NotEmpty(t, events, f)
	}
}
