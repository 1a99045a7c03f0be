package flow

import (
	"slices"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
)

// send_media and send_interactive send rich messages through the outbox,
// like send_text: inside the 24-hour window, to the run's contact unless
// "to" says otherwise. Their content is checked when the flow is saved by
// the messaging package's own checks (the limits live there, once), on the
// literal values; a templated value is known only when the step runs, and
// the outbox checks the rendered message again before it is stored.

// ReplyButton is one reply button of a send_interactive step: the id comes
// back in steps.<wait id>.reply.id when the customer taps it.
type ReplyButton struct {
	ID    string `json:"id" yaml:"id"`
	Title string `json:"title" yaml:"title"`
}

// ListSection is one section of a send_interactive list.
type ListSection struct {
	Title string    `json:"title,omitempty" yaml:"title,omitempty"`
	Rows  []ListRow `json:"rows" yaml:"rows"`
}

// ListRow is one choice of a list: its id comes back in
// steps.<wait id>.reply.id when the customer picks it.
type ListRow struct {
	ID          string `json:"id" yaml:"id"`
	Title       string `json:"title" yaml:"title"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}

// --- send_media ---

func validateSendMedia(v *validator, s *Step, path string) {
	validateRecipient(v, s, path)
	if !slices.Contains(messaging.MediaTypes, s.Media) {
		v.fail(path+".media", "required", "media is the kind of file: image, document, audio, video or sticker")
		return
	}
	if s.Template != nil || len(s.Variables) > 0 || s.Text != "" || len(s.Buttons) > 0 || len(s.Sections) > 0 {
		v.fail(path+".type", "invalid_step", "send_media sends a file with link or media_id, caption and filename; use send_text, send_template or send_interactive for the rest")
		return
	}
	if (s.Link == "") == (s.MediaID == "") {
		v.fail(path+".link", "required", "send_media needs one of link (a public http(s) URL) or media_id (an uploaded media's id)")
		return
	}
	for _, f := range []struct{ name, src string }{{"link", s.Link}, {"media_id", s.MediaID}, {"caption", s.Caption}, {"filename", s.Filename}} {
		v.template(s, f.name, path+"."+f.name, f.src, false)
	}
	m := &messaging.Media{ID: literal(s.MediaID, "1"), Link: literal(s.Link, "https://example.com/"), Caption: literal(s.Caption, "x"), Filename: literal(s.Filename, "x")}
	if err := messaging.CheckMediaObject(s.Media, m); err != nil {
		v.failWith(err, path, func(field string) string {
			rest := strings.TrimPrefix(field, s.Media)
			if rest == "" || rest == ".id" {
				return "link"
			}
			return strings.TrimPrefix(rest, ".")
		})
	}
}

func runSendMedia(r *stepRun) {
	m := &messaging.Media{Link: r.render("link"), ID: r.render("media_id"), Caption: r.render("caption"), Filename: r.render("filename")}
	send := &SendEffect{Type: r.s.Media, Sender: r.render("sender"), To: r.render("to"), RecipientName: r.render("recipient_name"), Bulk: r.s.Bulk,
		Rich: &messaging.RichContent{}}
	if r.limited() {
		return
	}
	switch r.s.Media {
	case "image":
		send.Rich.Image = m
	case "document":
		send.Rich.Document = m
	case "audio":
		send.Rich.Audio = m
	case "video":
		send.Rich.Video = m
	case "sticker":
		send.Rich.Sticker = m
	}
	r.queueSend(send)
}

// rejectRichFields refuses a send_text or send_template step written with
// another send step's fields, which it would otherwise ignore.
func rejectRichFields(v *validator, s *Step, path string) {
	switch {
	case s.Media != "" || s.Link != "" || s.MediaID != "" || s.Caption != "" || s.Filename != "":
		v.fail(path+".type", "invalid_step", s.Type+" sends no file: use send_media for media, link, media_id, caption and filename")
	case len(s.Buttons) > 0 || len(s.Sections) > 0 || s.Button != "" || s.Header != "" || s.Footer != "":
		v.fail(path+".type", "invalid_step", s.Type+" has no buttons: use send_interactive for buttons, lists, header and footer")
	}
}

// --- send_interactive ---

func validateSendInteractive(v *validator, s *Step, path string) {
	validateRecipient(v, s, path)
	if s.Template != nil || len(s.Variables) > 0 || s.Media != "" || s.Link != "" || s.MediaID != "" || s.Caption != "" {
		v.fail(path+".type", "invalid_step", "send_interactive sends text with buttons or a list; use send_media for a file and send_template for a template")
		return
	}
	list := s.Button != "" || len(s.Sections) > 0
	switch {
	case list && len(s.Buttons) > 0:
		v.fail(path+".buttons", "invalid_step", "use buttons (reply buttons) or button and sections (a list), not both")
		return
	case !list && len(s.Buttons) == 0:
		v.fail(path+".buttons", "required", "send_interactive needs buttons (1 to 3 reply buttons, each {id, title}) or a list (button and sections of rows)")
		return
	}
	interactiveFields(s, func(field, src string) { v.template(s, field, path+"."+field, src, false) })
	// The literal values, each templated one standing in for a value that
	// fits (unique, for ids and titles, which must not repeat).
	n := 0
	in := buildInteractive(s, func(field, src string) string {
		n++
		switch {
		case !templated(src):
			return src
		case strings.HasSuffix(field, ".id") || strings.HasSuffix(field, ".title"):
			return "{" + strconv.Itoa(n) + "}"
		}
		return "x"
	})
	if err := messaging.CheckInteractive(in); err != nil {
		v.failWith(err, path, interactiveField)
	}
}

func runSendInteractive(r *stepRun) {
	in := buildInteractive(r.s, func(field, _ string) string { return r.render(field) })
	send := &SendEffect{Type: "interactive", Sender: r.render("sender"), To: r.render("to"), RecipientName: r.render("recipient_name"), Bulk: r.s.Bulk,
		Rich: &messaging.RichContent{Interactive: in}}
	if r.limited() {
		return
	}
	r.queueSend(send)
}

// interactiveFields calls fn for every templated field of a
// send_interactive step, named as templates are (buttons[0].title).
func interactiveFields(s *Step, fn func(field, src string)) {
	fn("text", s.Text)
	fn("header", s.Header)
	fn("footer", s.Footer)
	for i, b := range s.Buttons {
		p := "buttons[" + strconv.Itoa(i) + "]"
		fn(p+".id", b.ID)
		fn(p+".title", b.Title)
	}
	fn("button", s.Button)
	for i, sec := range s.Sections {
		p := "sections[" + strconv.Itoa(i) + "]"
		fn(p+".title", sec.Title)
		for j, row := range sec.Rows {
			rp := p + ".rows[" + strconv.Itoa(j) + "]"
			fn(rp+".id", row.ID)
			fn(rp+".title", row.Title)
			fn(rp+".description", row.Description)
		}
	}
}

// buildInteractive builds the messaging package's interactive message from
// a step, each field's value given by value (the literal, or rendered).
func buildInteractive(s *Step, value func(field, src string) string) *messaging.Interactive {
	in := &messaging.Interactive{Type: "button", Body: &messaging.InteractiveText{Text: value("text", s.Text)}}
	if s.Header != "" {
		in.Header = &messaging.InteractiveHeader{Type: "text", Text: value("header", s.Header)}
	}
	if s.Footer != "" {
		in.Footer = &messaging.InteractiveText{Text: value("footer", s.Footer)}
	}
	for i, b := range s.Buttons {
		p := "buttons[" + strconv.Itoa(i) + "]"
		var rb messaging.ReplyButton
		rb.Type, rb.Reply.ID, rb.Reply.Title = "reply", value(p+".id", b.ID), value(p+".title", b.Title)
		in.Action.Buttons = append(in.Action.Buttons, rb)
	}
	if len(s.Buttons) == 0 {
		in.Type = "list"
		in.Action.Button = value("button", s.Button)
		for i, sec := range s.Sections {
			p := "sections[" + strconv.Itoa(i) + "]"
			ls := messaging.ListSection{Title: value(p+".title", sec.Title)}
			for j, row := range sec.Rows {
				rp := p + ".rows[" + strconv.Itoa(j) + "]"
				ls.Rows = append(ls.Rows, messaging.ListRow{ID: value(rp+".id", row.ID), Title: value(rp+".title", row.Title),
					Description: value(rp+".description", row.Description)})
			}
			in.Action.Sections = append(in.Action.Sections, ls)
		}
	}
	return in
}

// interactiveField names a step's field for one of the API's
// (interactive.action.buttons[1].reply.title → buttons[1].title).
func interactiveField(api string) string {
	f := strings.TrimPrefix(api, "interactive.")
	f = strings.TrimPrefix(f, "action.")
	f = strings.Replace(f, ".reply.", ".", 1)
	switch f {
	case "body.text", "body":
		return "text"
	case "header.text", "header", "header.type":
		return "header"
	case "footer.text", "footer":
		return "footer"
	}
	return f
}

// failWith records a messaging check's error at the step's field, its
// message speaking of the flow's field rather than the API's.
func (v *validator) failWith(err error, path string, field func(api string) string) {
	ae, ok := apperr.As(err)
	if !ok {
		v.fail(path, "invalid_step", err.Error())
		return
	}
	f := path + "." + field(ae.Field)
	v.fail(f, ae.Code, strings.ReplaceAll(ae.Message, ae.Field, f))
}

// literal is a field's value when it has no template, else stand (a value
// that passes the checks; the rendered one is checked when the step runs).
func literal(src, stand string) string {
	if templated(src) {
		return stand
	}
	return src
}

// richInput is what a rich send's step records as its input.
func richInput(send *SendEffect) any {
	rc := send.Rich
	switch {
	case rc.Interactive != nil:
		return rc.Interactive
	case rc.Image != nil:
		return rc.Image
	case rc.Document != nil:
		return rc.Document
	case rc.Audio != nil:
		return rc.Audio
	case rc.Video != nil:
		return rc.Video
	case rc.Sticker != nil:
		return rc.Sticker
	}
	return nil
}
