package whatsapp

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEventJSONRoundTrip(t *testing.T) {
	t.Parallel()
	full := Event{
		Kind: EventMessage, WABAID: "1", PhoneNumberID: "2", DisplayPhoneNumber: "3",
		EntryTime: unix(1749416000), Index: 4,
		Message: &InboundMessage{
			ID: "wamid.x", From: "5", ProfileName: "Zoë <&>", Timestamp: time.UnixMilli(1749416383123).UTC(),
			Type: "interactive", Text: &Text{Body: "a"}, Image: &Media{ID: "6", Caption: "c"},
			Audio: &Media{ID: "7", Voice: true}, Sticker: &Media{ID: "8", Animated: true},
			Location:    &Location{Latitude: -1.5, Longitude: 2.25, Name: "n", Address: "a", URL: "u"},
			Contacts:    json.RawMessage(`[{"name":{"formatted_name":"P"}}]`),
			Interactive: &Interactive{Type: "list_reply", ListReply: &Reply{ID: "r", Title: "t", Description: "d"}, NFMReply: json.RawMessage(`{"k":1}`)},
			Button:      &Button{Payload: "p", Text: "t"}, Reaction: &Reaction{MessageID: "m", Emoji: "👍"},
			Context:  &Context{From: "f", ID: "i", Forwarded: true, ReferredProduct: json.RawMessage(`{"catalog_id":"c"}`)},
			Referral: json.RawMessage(`{"source_id":"s"}`), Order: json.RawMessage(`{"product_items":[]}`),
			System: &System{Body: "b", WAID: "w", Type: "user_changed_number"},
			Errors: []Error{{Code: 131051, Title: "t", Message: "m", Details: "d", Href: "h"}},
		},
	}
	pref := Event{Kind: EventUserPreference, WABAID: "1", PhoneNumberID: "2", Index: 1,
		UserPreference: &UserPreference{WAID: "5", Category: PreferenceMarketing, Value: PreferenceResume, Detail: "d", ProfileName: "p", Timestamp: unix(1750030500)}}
	require.Equal(t, "p:5:marketing_messages:resume:1750030500", pref.DedupeKey())
	require.Equal(t, "5", pref.CustomerWAID())
	require.Equal(t, unix(1750030500), pref.OccurredAt())
	byUser := Event{Kind: EventUserPreference, WABAID: "1", PhoneNumberID: "2",
		UserPreference: &UserPreference{UserID: "BR.1", Category: PreferenceMarketing, Value: PreferenceStop}}
	require.Equal(t, "p:BR.1:marketing_messages:stop:0", byUser.DedupeKey())
	category := Event{Kind: EventTemplateCategory, WABAID: "1", EntryTime: unix(1750031000),
		TemplateCategory: &TemplateCategoryUpdate{TemplateID: "7", New: "MARKETING", Previous: "UTILITY", At: unix(1750031000)}}
	require.Equal(t, "c:7:MARKETING:UTILITY::1750031000", category.DedupeKey())
	events := []Event{full, pref, byUser, category}
	for _, f := range mustGlob(t) {
		parsed, err := ParseWebhook(readFixture(t, f))
		require.NoError(t, err)
		events = append(events, parsed...)
	}
	for _, ev := range events {
		b, err := json.Marshal(ev)
		require.NoError(t, err)
		var back Event
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, ev, back, "round trip of %s", b)
	}
}

func TestEventJSONDropsReceived(t *testing.T) {
	t.Parallel()
	ev := Event{Kind: EventStatus, Status: &Status{ID: "w", Status: "sent"}, Received: unix(1)}
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	require.NotContains(t, string(b), "received")
	var back Event
	require.NoError(t, json.Unmarshal(b, &back))
	require.True(t, back.Received.IsZero())
}

func mustGlob(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	return files
}

func TestEventAccessors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		key      []string // per event
		customer []string
		at       []time.Time
	}{
		{"text.json",
			[]string{"m:wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDNBMDFCMkMzRDRFNUY2QTdCOEM5AA=="},
			[]string{"4915112345678"}, []time.Time{unix(1749416383)}},
		{"status_failed.json",
			[]string{"s:wamid.HBgLMTY1MDU1NTk5OTkVAgARGBI1QzM4QTdCNjE2QjlEMjE5RDIA:failed"},
			[]string{"16505559999"}, []time.Time{unix(1750031000)}},
		{"template_status.json",
			[]string{"t:1304694804498707:PAUSED:1751247548"}, []string{""}, []time.Time{unix(1751247548)}},
		{"account_update.json",
			[]string{"a:102290129340398::DISABLED_UPDATE:1739321024"}, []string{""}, []time.Time{unix(1739321024)}},
		{"quality_update.json",
			[]string{"q:15550783881:DOWNGRADE:1748454394"}, []string{""}, []time.Time{unix(1748454394)}},
		{"value_errors.json",
			[]string{"e:106540352242922:130429:1750032000:0"}, []string{""}, []time.Time{unix(1750032000)}},
		{"ms_timestamp.json",
			[]string{"m:wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUQ0QjI5RjdEQzUwNzQ5NjVCRQA=",
				"s:wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0NjVFQjk1OTFGQkZBRDg3RTMA:played"},
			[]string{testSheena, testSheena},
			[]time.Time{time.UnixMilli(1749418800123).UTC(), time.UnixMilli(1749418801456).UTC()}},
		{"batch.json",
			[]string{"m:wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMQA=",
				"m:wamid.HBgLMTY1MDU1NTQzMjEVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMgA=",
				"s:wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3QTAwMDAwMDAwMDAwMDAwMDMA:delivered",
				"q:15550001111:FLAGGED:1749420010",
				"a:209876543210987:15550001111:VERIFIED_ACCOUNT:1749420010"},
			[]string{testSheena, "16505554321", testSheena, "", ""},
			[]time.Time{unix(1749420000), unix(1749420001), unix(1749420002), unix(1749420010), unix(1749420010)}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			events, err := ParseWebhook(readFixture(t, tt.file))
			require.NoError(t, err)
			var keys, customers []string
			var ats []time.Time
			for _, ev := range events {
				keys = append(keys, ev.DedupeKey())
				customers = append(customers, ev.CustomerWAID())
				ats = append(ats, ev.OccurredAt())
			}
			require.Equal(t, tt.key, keys)
			require.Equal(t, tt.customer, customers)
			require.Equal(t, tt.at, ats)
		})
	}
}

func TestDedupeKeySameForRedelivery(t *testing.T) {
	t.Parallel()
	// The same status delivered twice (Meta retries) shares a key; the
	// next transition of the same message does not.
	a, err := ParseWebhook(readFixture(t, "status_sent.json"))
	require.NoError(t, err)
	b, err := ParseWebhook(readFixture(t, "status_sent.json"))
	require.NoError(t, err)
	c, err := ParseWebhook(readFixture(t, "status_delivered.json"))
	require.NoError(t, err)
	require.Equal(t, a[0].DedupeKey(), b[0].DedupeKey())
	require.NotEqual(t, a[0].DedupeKey(), c[0].DedupeKey())
}

func TestDedupeKeyOfImpossibleEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"unknown kind", Event{Kind: "other"}, ""},
		{"message kind without message", Event{Kind: EventMessage}, ""},
		{"error kind without errors", Event{Kind: EventError}, ""},
		{"error without entry time", Event{Kind: EventError, PhoneNumberID: "9", Index: 2, Errors: []Error{{Code: 1}}}, "e:9:1:0:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.ev.DedupeKey())
			require.Equal(t, "", tt.ev.CustomerWAID())
			require.True(t, tt.ev.OccurredAt().IsZero())
		})
	}
}
