package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/sandbox"
)

// The sandbox page lets anyone signed in play a customer of the built-in
// simulated Cloud API: write, send a photo, tap a button or pick a list
// row as that customer, read what the business answers, and flip the simulator's
// switches. It is where a newcomer's first five minutes happen.

// sandboxCustomer is who the page plays: a sandbox business number, the
// customer's phone and name. It travels in the query string so every
// form works without JS and a reload keeps the same customer.
type sandboxCustomer struct {
	Sender string
	Phone  string
	Name   string
}

// query is the customer as a query string for links and redirects.
func (c sandboxCustomer) query() string {
	return url.Values{"sender": {c.Sender}, "phone": {c.Phone}, "name": {c.Name}}.Encode()
}

// sandboxLine is one message of the chat between customer and business.
type sandboxLine struct {
	In      bool // the customer wrote it
	Type    string
	Text    string
	Time    time.Time
	Buttons []sandboxButton
	// A list message's rows the customer can pick, under its button's
	// text; Latest marks the business's newest message, whose list opens
	// by itself.
	Rows       []sandboxRow
	ListButton string
	MessageID  string
	Latest     bool
}

// sandboxButton is a button of a business message the customer can tap.
type sandboxButton struct {
	Template  bool
	ID        string
	Title     string
	MessageID string // the message it is on, so the tap answers that one
}

// value encodes the button for the tap form.
func (b sandboxButton) value() string {
	v := url.Values{"id": {b.ID}, "title": {b.Title}}
	if b.Template {
		v.Set("template", "1")
	}
	if b.MessageID != "" {
		v.Set("message", b.MessageID)
	}
	return v.Encode()
}

// sandboxRow is a row of a list message the customer can pick.
type sandboxRow struct {
	ID          string
	Title       string
	Description string
	Section     string
}

// sandboxData is what the sandbox page shows.
type sandboxData struct {
	Chrome   chrome
	Senders  []sandbox.Sender
	Current  sandbox.Sender
	Customer sandboxCustomer
	Chat     []sandboxLine
	Draft    string
	// Problems are validation errors by field name, shown next to it.
	Problems map[string]string
	Notice   string
}

// maxSandboxLines bounds the chat the page shows (the newest ones).
const maxSandboxLines = 50

func (u *UI) sandboxPage(w http.ResponseWriter, r *http.Request) {
	d := u.sandboxData(r, customerFrom(r.URL.Query()))
	d.Notice = sandboxNotice(r, r.URL.Query().Get("done"))
	render(w, r, http.StatusOK, sandboxView(d))
}

// sandboxChat is the chat alone, for the page's script to refresh.
func (u *UI) sandboxChat(w http.ResponseWriter, r *http.Request) {
	d := u.sandboxData(r, customerFrom(r.URL.Query()))
	render(w, r, http.StatusOK, sandboxChatView(d))
}

// customerFrom reads the customer from a query or form, with defaults a
// newcomer can send with at once.
func customerFrom(v url.Values) sandboxCustomer {
	c := sandboxCustomer{Sender: strings.TrimSpace(v.Get("sender")), Phone: strings.TrimSpace(v.Get("phone")),
		Name: strings.TrimSpace(v.Get("name"))}
	if c.Phone == "" && v.Get("phone") == "" {
		c.Phone = "+5511988887777"
	}
	if c.Name == "" && !v.Has("name") {
		c.Name = "Ana Cliente"
	}
	return c
}

func (u *UI) sandboxData(r *http.Request, c sandboxCustomer) sandboxData {
	ctx := r.Context()
	d := sandboxData{Chrome: u.chrome(ctx), Senders: u.Sandbox.Senders(), Customer: c, Problems: map[string]string{}}
	i := slices.IndexFunc(d.Senders, func(s sandbox.Sender) bool { return s.PhoneNumberID == c.Sender })
	if i < 0 && len(d.Senders) > 0 {
		i = 0
	}
	if i >= 0 {
		d.Current = d.Senders[i]
		d.Customer.Sender = d.Current.PhoneNumberID
	}
	d.Chat = u.sandboxLines(d.Customer)
	return d
}

// sandboxLines is the chat between the customer and the business number,
// oldest first: what the customer sent and what the business sent back.
func (u *UI) sandboxLines(c sandboxCustomer) []sandboxLine {
	digits := sandboxDigits(c.Phone)
	if digits == "" {
		return nil
	}
	// A number written without "+" gets the sender's country code in the
	// simulator, so the customer's wa_id ends with the digits typed.
	same := func(sender, waID string) bool { return sender == c.Sender && strings.HasSuffix(waID, digits) }
	var lines []sandboxLine
	for _, m := range u.Sandbox.Received() {
		if same(m.PhoneNumberID, m.From) {
			lines = append(lines, sandboxLine{In: true, Type: "text", Text: m.Text, Time: m.Time})
		}
	}
	latest := -1
	for _, m := range u.Sandbox.Sent() {
		if same(m.PhoneNumberID, m.WaID) {
			lines = append(lines, u.sandboxSentLine(m))
		}
	}
	slices.SortStableFunc(lines, func(a, b sandboxLine) int { return a.Time.Compare(b.Time) })
	if len(lines) > maxSandboxLines {
		lines = lines[len(lines)-maxSandboxLines:]
	}
	for i, l := range lines {
		if !l.In {
			latest = i
		}
	}
	if latest >= 0 {
		lines[latest].Latest = true
	}
	return lines
}

// sandboxSentLine is a business message with what it offers the customer
// to tap (reply buttons, a template's quick replies) or pick (a list's
// rows), as the simulator lists them.
func (u *UI) sandboxSentLine(m sandbox.SentMessage) sandboxLine {
	l := sandboxLine{Type: m.Type, Text: sentText(m), Time: m.Time, MessageID: m.WAMID, ListButton: sandbox.ListButton(m)}
	for _, c := range u.Sandbox.Choices(m) {
		switch c.Kind {
		case sandbox.ChoiceRow:
			l.Rows = append(l.Rows, sandboxRow{ID: c.ID, Title: c.Title, Description: c.Description, Section: c.Section})
		default:
			l.Buttons = append(l.Buttons, sandboxButton{Template: c.Kind == sandbox.ChoiceQuickReply, ID: c.ID, Title: c.Title, MessageID: m.WAMID})
		}
	}
	return l
}

func sentText(m sandbox.SentMessage) string {
	switch {
	case m.Text != "":
		return headerMark(m) + m.Text
	case m.TemplateName != "":
		return headerMark(m) + "[" + m.TemplateName + "]"
	}
	return "[" + m.Type + "]"
}

// headerMark shows that a template came with a media header (the text
// is only its body): 🖼 an image, 🎬 a video, 📄 a document.
func headerMark(m sandbox.SentMessage) string {
	if m.TemplateName == "" {
		return ""
	}
	var p struct {
		Template struct {
			Components []struct {
				Type       string
				Parameters []struct{ Type string }
			}
		}
	}
	if json.Unmarshal(m.Payload, &p) != nil {
		return ""
	}
	for _, c := range p.Template.Components {
		if strings.EqualFold(c.Type, "header") && len(c.Parameters) > 0 {
			if mark, ok := map[string]string{"image": "🖼 ", "video": "🎬 ", "document": "📄 "}[strings.ToLower(c.Parameters[0].Type)]; ok {
				return mark
			}
		}
	}
	return ""
}

func sandboxDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
