package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"strings"
)

// More of what customers send: voice notes, documents and location pins,
// in the webhook shapes of the Cloud API's reference (an audio object
// with "voice": true, a document with its filename, a location with
// latitude, longitude, name and address).

// whLocation is a shared location pin.
type whLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Document is a file a simulated customer sends; empty fields get a
// sample PDF.
type Document struct {
	Filename string
	MimeType string
	Data     []byte
	Caption  string
}

// Location is a pin a simulated customer shares.
type Location struct {
	Latitude, Longitude float64
	Name, Address       string
}

// CustomerSendsVoiceNote simulates customer `from` recording a voice note:
// a second of silence in Ogg Opus, the format WhatsApp records in,
// delivered as an audio message with "voice": true.
func (s *Sandbox) CustomerSendsVoiceNote(phoneNumberID, from, name string) (string, error) {
	data := sandboxVoiceNote()
	const mime = "audio/ogg; codecs=opus"
	mediaID, err := s.UploadMedia(mime, data)
	if err != nil {
		return "", err
	}
	return s.customerSends(phoneNumberID, from, name, "🎤 voice note", func(m *whMessage) {
		m.Type = "audio"
		m.Audio = &whMedia{ID: mediaID, MimeType: mime, SHA256: b64SHA256(data), Voice: true}
	})
}

// CustomerSendsDocument simulates customer `from` sending a file.
func (s *Sandbox) CustomerSendsDocument(phoneNumberID, from, name string, doc Document) (string, error) {
	if len(doc.Data) == 0 {
		doc.Data, doc.MimeType = sandboxPDF(), "application/pdf"
	}
	if doc.MimeType == "" {
		doc.MimeType = "application/octet-stream"
	}
	doc.Filename = strings.TrimSpace(doc.Filename)
	if doc.Filename == "" {
		doc.Filename = "document.pdf"
	}
	mediaID, err := s.UploadMedia(doc.MimeType, doc.Data)
	if err != nil {
		return "", err
	}
	return s.customerSends(phoneNumberID, from, name, strings.TrimSpace("📄 "+doc.Filename+" "+doc.Caption), func(m *whMessage) {
		m.Type = "document"
		m.Document = &whMedia{ID: mediaID, MimeType: doc.MimeType, SHA256: b64SHA256(doc.Data), Caption: doc.Caption, Filename: doc.Filename}
	})
}

// CustomerSendsLocation simulates customer `from` sharing a pin.
func (s *Sandbox) CustomerSendsLocation(phoneNumberID, from, name string, loc Location) (string, error) {
	if loc.Latitude < -90 || loc.Latitude > 90 || loc.Longitude < -180 || loc.Longitude > 180 ||
		math.IsNaN(loc.Latitude) || math.IsNaN(loc.Longitude) {
		return "", fmt.Errorf("%w: latitude must be within ±90 and longitude within ±180", ErrInvalidInput)
	}
	summary := strings.TrimSpace("📍 " + firstNonBlank(loc.Name, loc.Address, fmt.Sprintf("%.5f, %.5f", loc.Latitude, loc.Longitude)))
	return s.customerSends(phoneNumberID, from, name, summary, func(m *whMessage) {
		m.Type = "location"
		m.Location = &whLocation{Latitude: loc.Latitude, Longitude: loc.Longitude, Name: loc.Name, Address: loc.Address}
	})
}

func firstNonBlank(v ...string) string {
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func b64SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// sandboxPDF is a one-page PDF saying "zapflow sandbox", written here so
// no file ships with the binary.
func sandboxPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"", // the content stream, below
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	stream := "BT /F1 18 Tf 40 70 Td (zapflow sandbox) Tj ET"
	objs[3] = fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream)
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}

// customerRich is the part of POST /sandbox/api/customers/messages
// that picks a richer message: type image (text is the caption), voice
// (a voice note), document (filename, text as caption), location
// (latitude, longitude, location_name, address), or an answer to a
// business message (customer_rich.go, customer_list.go): button_reply
// (a reply button: id and/or title), button (a template's quick reply:
// id is its payload, and/or title) or list_reply (id is the row's id);
// message_id names the message answered, else the newest one offering
// it. Text when left out.
type customerRich struct {
	Type         string   `json:"type"`
	Filename     string   `json:"filename"`
	Latitude     *float64 `json:"latitude"`
	Longitude    *float64 `json:"longitude"`
	LocationName string   `json:"location_name"`
	Address      string   `json:"address"`
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	MessageID    string   `json:"message_id"`
}

func (s *Sandbox) sendCustomerRich(to, from, name, text string, in customerRich) (string, error) {
	switch in.Type {
	case "", "text":
		return s.CustomerWrites(to, from, name, text)
	case "image":
		return s.CustomerSendsImage(to, from, name, text)
	case "voice", "audio":
		return s.CustomerSendsVoiceNote(to, from, name)
	case "document":
		return s.CustomerSendsDocument(to, from, name, Document{Filename: in.Filename, Caption: text})
	case "location":
		if in.Latitude == nil || in.Longitude == nil {
			return "", fmt.Errorf("%w: a location needs latitude and longitude", ErrInvalidInput)
		}
		return s.CustomerSendsLocation(to, from, name, Location{Latitude: *in.Latitude, Longitude: *in.Longitude,
			Name: in.LocationName, Address: in.Address})
	case "button_reply", "button":
		return s.CustomerTaps(to, from, name, Tap{Template: in.Type == "button", ID: in.ID, Title: in.Title, MessageID: in.MessageID})
	case "list_reply":
		return s.CustomerPicks(to, from, name, Pick{MessageID: in.MessageID, RowID: in.ID})
	}
	return "", fmt.Errorf("%w: type must be text, image, voice, document, location, button_reply, button or list_reply", ErrInvalidInput)
}
