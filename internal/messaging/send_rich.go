package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// RichContent is the content of a non-text, non-template message, in the
// Cloud API's own shapes (image, document, location, contacts,
// interactive, reaction), plus ReplyTo: the id of one of the
// conversation's messages this one answers (sent as context.message_id).
// It is embedded in SendRequest.
type RichContent struct {
	Image       *Media            `json:"image,omitempty"`
	Document    *Media            `json:"document,omitempty"`
	Audio       *Media            `json:"audio,omitempty"`
	Video       *Media            `json:"video,omitempty"`
	Sticker     *Media            `json:"sticker,omitempty"`
	Location    *Location         `json:"location,omitempty"`
	Contacts    []json.RawMessage `json:"contacts,omitempty"`
	Interactive *Interactive      `json:"interactive,omitempty"`
	Reaction    *Reaction         `json:"reaction,omitempty"`
	ReplyTo     int64             `json:"reply_to,omitempty"`
}

// SetMedia puts m in the field of media type typ (image, document,
// audio, video or sticker) and reports whether typ is one of them.
func (c *RichContent) SetMedia(typ string, m *Media) bool {
	switch typ {
	case "image":
		c.Image = m
	case "document":
		c.Document = m
	case "audio":
		c.Audio = m
	case "video":
		c.Video = m
	case "sticker":
		c.Sticker = m
	default:
		return false
	}
	return true
}

// Media is a media object: a public https link or a Cloud API media id
// (from an upload), with a caption (image, video, document) and a file
// name (document).
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Location is a map pin.
type Location struct {
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Name      string   `json:"name,omitempty"`
	Address   string   `json:"address,omitempty"`
}

// Reaction reacts to one of the conversation's messages (our id); an
// empty emoji removes our reaction, as in the Cloud API.
type Reaction struct {
	MessageID int64  `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// Interactive is a reply-button or list message.
type Interactive struct {
	Type   string             `json:"type"` // button | list
	Header *InteractiveHeader `json:"header,omitempty"`
	Body   *InteractiveText   `json:"body,omitempty"`
	Footer *InteractiveText   `json:"footer,omitempty"`
	Action InteractiveAction  `json:"action"`
}

// InteractiveHeader is a text header, or (buttons only) a media header.
type InteractiveHeader struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Image    *Media `json:"image,omitempty"`
	Video    *Media `json:"video,omitempty"`
	Document *Media `json:"document,omitempty"`
}

// InteractiveText is a body or footer.
type InteractiveText struct {
	Text string `json:"text"`
}

// InteractiveAction holds the buttons, or the list's button and sections.
type InteractiveAction struct {
	Buttons  []ReplyButton `json:"buttons,omitempty"`
	Button   string        `json:"button,omitempty"`
	Sections []ListSection `json:"sections,omitempty"`
}

// ReplyButton is {"type":"reply","reply":{"id","title"}}.
type ReplyButton struct {
	Type  string `json:"type"`
	Reply struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"reply"`
}

// ListSection is one section of a list.
type ListSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []ListRow `json:"rows"`
}

// ListRow is one choice of a list.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// richTypes are the message types RichContent carries.
var richTypes = []string{"image", "document", "audio", "video", "sticker", "location", "contacts", "interactive", "reaction"}

// isRichType reports whether typ is sent from RichContent.
func isRichType(typ string) bool {
	for _, t := range richTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// richPayload checks a rich message and builds its Cloud API body and inbox
// summary. lookupWAMID resolves one of the conversation's message ids to
// its wamid (for reactions). Every limit is checked here, before anything
// is stored, each as a named field error.
func richPayload(to, typ string, rc RichContent, lookupWAMID func(field string, id int64) (string, error)) (map[string]any, string, error) {
	p := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": typ}
	var summary string
	switch typ {
	case "image", "document", "audio", "video", "sticker":
		m := map[string]*Media{"image": rc.Image, "document": rc.Document, "audio": rc.Audio, "video": rc.Video, "sticker": rc.Sticker}[typ]
		obj, err := mediaObject(typ, typ, m, true)
		if err != nil {
			return nil, "", err
		}
		p[typ] = obj
		summary = mediaSummaryOut(typ, m)
	case "location":
		l := rc.Location
		if l == nil || l.Latitude == nil || l.Longitude == nil {
			return nil, "", apperr.Invalid("location", "invalid_request", "location.latitude and location.longitude are required")
		}
		if math.IsNaN(*l.Latitude) || *l.Latitude < -90 || *l.Latitude > 90 {
			return nil, "", apperr.Invalid("location.latitude", "invalid_request", "location.latitude must be between -90 and 90")
		}
		if math.IsNaN(*l.Longitude) || *l.Longitude < -180 || *l.Longitude > 180 {
			return nil, "", apperr.Invalid("location.longitude", "invalid_request", "location.longitude must be between -180 and 180")
		}
		obj := map[string]any{"latitude": *l.Latitude, "longitude": *l.Longitude}
		if l.Name != "" {
			obj["name"] = l.Name
		}
		if l.Address != "" {
			obj["address"] = l.Address
		}
		p["location"] = obj
		summary = "📍 " + firstNonBlank(l.Name, l.Address,
			strconv.FormatFloat(*l.Latitude, 'f', -1, 64)+", "+strconv.FormatFloat(*l.Longitude, 'f', -1, 64))
	case "contacts":
		list, names, err := contactsObject(rc.Contacts)
		if err != nil {
			return nil, "", err
		}
		p["contacts"] = list
		summary = "👤 " + strings.Join(names, ", ")
	case "interactive":
		obj, s, err := interactiveObject(rc.Interactive)
		if err != nil {
			return nil, "", err
		}
		p["interactive"] = obj
		summary = s
	case "reaction":
		r := rc.Reaction
		if r == nil || r.MessageID <= 0 {
			return nil, "", apperr.Invalid("reaction.message_id", "invalid_request", "reaction.message_id is required: the id of one of the conversation's messages")
		}
		wamid, err := lookupWAMID("reaction.message_id", r.MessageID)
		if err != nil {
			return nil, "", err
		}
		p["reaction"] = map[string]any{"message_id": wamid, "emoji": r.Emoji}
		summary = "reacted " + r.Emoji
		if r.Emoji == "" {
			summary = "removed a reaction"
		}
	}
	return p, summary, nil
}

// mediaObject checks a media object and returns its Cloud API form.
// withCaption is false for interactive headers.
func mediaObject(field, typ string, m *Media, withCaption bool) (map[string]any, error) {
	if m == nil {
		return nil, apperr.Invalid(field, "invalid_request", field+" is required for a "+typ+" message")
	}
	if (m.ID == "") == (m.Link == "") {
		return nil, apperr.Invalid(field, "invalid_request", field+" needs exactly one of id (an uploaded media id) or link (a public https URL)")
	}
	obj := map[string]any{}
	if m.ID != "" {
		obj["id"] = m.ID
	} else {
		if !strings.HasPrefix(strings.ToLower(m.Link), "https://") && !strings.HasPrefix(strings.ToLower(m.Link), "http://") {
			return nil, apperr.Invalid(field+".link", "invalid_request", field+".link must be a public http(s) URL")
		}
		obj["link"] = m.Link
	}
	if m.Caption != "" {
		if !withCaption || typ == "audio" || typ == "sticker" {
			return nil, apperr.Invalid(field+".caption", "invalid_request", "WhatsApp does not show a caption on "+typ+" messages")
		}
		if n := utf8.RuneCountInString(m.Caption); n > MaxCaptionLength {
			return nil, apperr.Invalid(field+".caption", "invalid_request", "caption too long: "+strconv.Itoa(n)+" characters; WhatsApp allows "+strconv.Itoa(MaxCaptionLength))
		}
		obj["caption"] = m.Caption
	}
	if m.Filename != "" {
		if typ != "document" {
			return nil, apperr.Invalid(field+".filename", "invalid_request", "filename is only for documents")
		}
		obj["filename"] = m.Filename
	}
	return obj, nil
}

// MaxCaptionLength is the Cloud API's limit for a media caption.
const MaxCaptionLength = 1024

func mediaSummaryOut(typ string, m *Media) string {
	if m.Caption != "" {
		return m.Caption
	}
	if typ == "document" && m.Filename != "" {
		return "📄 " + m.Filename
	}
	return "[" + typ + "]"
}

// contactsObject checks contact cards: each needs name.formatted_name.
func contactsObject(raw []json.RawMessage) ([]any, []string, error) {
	if len(raw) == 0 {
		return nil, nil, apperr.Invalid("contacts", "invalid_request", "contacts needs at least one contact card")
	}
	out := make([]any, 0, len(raw))
	names := make([]string, 0, len(raw))
	for i, r := range raw {
		field := "contacts[" + strconv.Itoa(i) + "]"
		var c map[string]any
		if err := json.Unmarshal(r, &c); err != nil || c == nil {
			return nil, nil, apperr.Invalid(field, "invalid_request", field+" must be a contact card object")
		}
		var probe struct {
			Name struct {
				FormattedName string `json:"formatted_name"`
			} `json:"name"`
		}
		_ = json.Unmarshal(r, &probe)
		if strings.TrimSpace(probe.Name.FormattedName) == "" {
			return nil, nil, apperr.Invalid(field+".name.formatted_name", "invalid_request", field+".name.formatted_name is required")
		}
		out = append(out, c)
		names = append(names, probe.Name.FormattedName)
	}
	return out, names, nil
}

func firstNonBlank(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// conversationWAMID returns the wamid of message id when it belongs to
// conversation convID (0: the conversation does not exist yet, so no
// message can be referred to). field names the request field in errors.
func conversationWAMID(ctx context.Context, tx store.Tx, convID, id int64, field string) (string, error) {
	var wamid *string
	err := tx.QueryRow(ctx, `SELECT wamid FROM messages WHERE id = ? AND conversation_id = ?`, id, convID).Scan(&wamid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && convID == 0) {
		return "", apperr.Invalid(field, "message_not_found", "message "+strconv.FormatInt(id, 10)+" is not in this conversation")
	}
	if err != nil {
		return "", err
	}
	if wamid == nil || *wamid == "" {
		return "", apperr.Invalid(field, "message_not_sent", "message "+strconv.FormatInt(id, 10)+" has not been accepted by WhatsApp yet, so it cannot be referred to")
	}
	return *wamid, nil
}

// richResend rebuilds the request of a stored media, location, contacts or
// interactive message (as ResendRequest does for text), so a failed one
// can be sent again. A reaction is not resent: it refers to a message by
// its wamid, and reacting again is the agent's call.
func richResend(typ string, content []byte) (SendRequest, bool) {
	if !isRichType(typ) || typ == "reaction" {
		return SendRequest{}, false
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(content, &p) != nil || len(p[typ]) == 0 {
		return SendRequest{}, false
	}
	var rc RichContent
	if json.Unmarshal([]byte(`{"`+typ+`":`+string(p[typ])+`}`), &rc) != nil {
		return SendRequest{}, false
	}
	return SendRequest{Type: typ, RichContent: rc}, true
}
