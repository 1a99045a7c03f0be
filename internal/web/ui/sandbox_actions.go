package ui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/sandbox"
)

// sandboxSend plays the customer writing a text (do=text) or sending a
// photo (do=image, the text as its caption), a voice note, a PDF or a
// location pin (do=voice, document, location; sandbox_media.go). The simulator posts the
// signed webhook exactly as Meta would; zapflow takes it from there.
func (u *UI) sandboxSend(w http.ResponseWriter, r *http.Request) {
	if !sandboxForm(w, r) {
		return
	}
	c := customerFrom(r.PostForm)
	text := strings.TrimSpace(r.PostForm.Get("text"))
	var err error
	switch r.PostForm.Get("do") {
	case "image":
		_, err = u.Sandbox.CustomerSendsImage(c.Sender, c.Phone, c.Name, text)
	case "voice", "document", "location":
		_, err = u.sandboxSendRich(c, r.PostForm.Get("do"), text)
	default:
		if text == "" {
			u.sandboxRefused(w, r, c, r.PostForm.Get("text"), "text", "sandbox.text.empty")
			return
		}
		_, err = u.Sandbox.CustomerWrites(c.Sender, c.Phone, c.Name, text)
	}
	u.sandboxDone(w, r, c, r.PostForm.Get("text"), err, "sent")
}

// sandboxTap plays the customer tapping a button of a business message.
func (u *UI) sandboxTap(w http.ResponseWriter, r *http.Request) {
	if !sandboxForm(w, r) {
		return
	}
	c := customerFrom(r.PostForm)
	b, _ := url.ParseQuery(r.PostForm.Get("button"))
	_, err := u.Sandbox.CustomerTaps(c.Sender, c.Phone, c.Name,
		sandbox.Tap{Template: b.Get("template") == "1", ID: b.Get("id"), Title: b.Get("title"), MessageID: b.Get("message")})
	u.sandboxDone(w, r, c, "", err, "sent")
}

// sandboxPick plays the customer picking a row of a list message.
func (u *UI) sandboxPick(w http.ResponseWriter, r *http.Request) {
	if !sandboxForm(w, r) {
		return
	}
	c := customerFrom(r.PostForm)
	_, err := u.Sandbox.CustomerPicks(c.Sender, c.Phone, c.Name,
		sandbox.Pick{MessageID: r.PostForm.Get("message"), RowID: r.PostForm.Get("row")})
	u.sandboxDone(w, r, c, "", err, "sent")
}

// The switches the page offers: a number's status (online is CONNECTED,
// offline DISCONNECTED), its quality rating, send failures to inject, and
// the customer's choice to stop or resume marketing messages.
var (
	sandboxStatuses  = []string{"CONNECTED", "DISCONNECTED"}
	sandboxQualities = []string{"GREEN", "YELLOW", "RED"}
	// sandboxFailCodes are Cloud API error codes worth rehearsing, each
	// named by its meaning on the page.
	sandboxFailCodes = []int{131000, 131026, 131047, 130429, 131048, 133010, 190}
)

// sandboxSwitch flips one switch of the chosen business number.
func (u *UI) sandboxSwitch(w http.ResponseWriter, r *http.Request) {
	if !sandboxForm(w, r) {
		return
	}
	c := customerFrom(r.PostForm)
	if !slices.ContainsFunc(u.Sandbox.Senders(), func(s sandbox.Sender) bool { return s.PhoneNumberID == c.Sender }) {
		u.sandboxRefused(w, r, c, "", "sender", "sandbox.sender.unknown")
		return
	}
	switch r.PostForm.Get("switch") {
	case "status":
		v := r.PostForm.Get("status")
		if !slices.Contains(sandboxStatuses, v) {
			u.sandboxRefused(w, r, c, "", "status", "sandbox.switch.invalid")
			return
		}
		u.Sandbox.SetSenderStatus(c.Sender, v)
	case "quality":
		v := r.PostForm.Get("quality")
		if !slices.Contains(sandboxQualities, v) {
			u.sandboxRefused(w, r, c, "", "quality", "sandbox.switch.invalid")
			return
		}
		u.Sandbox.SetQuality(c.Sender, v)
	case "fail":
		n, err := strconv.Atoi(r.PostForm.Get("count"))
		code, cerr := strconv.Atoi(r.PostForm.Get("code"))
		if err != nil || n < 0 || n > 100 {
			u.sandboxRefused(w, r, c, "", "count", "sandbox.fail.count.invalid")
			return
		}
		if cerr != nil || !slices.Contains(sandboxFailCodes, code) {
			u.sandboxRefused(w, r, c, "", "code", "sandbox.switch.invalid")
			return
		}
		u.Sandbox.FailNext(c.Sender, n, code)
	case "marketing":
		v := r.PostForm.Get("marketing")
		if v != "stop" && v != "resume" {
			u.sandboxRefused(w, r, c, "", "marketing", "sandbox.switch.invalid")
			return
		}
		if err := u.Sandbox.CustomerSetsMarketing(c.Sender, c.Phone, c.Name, v == "stop"); err != nil {
			u.sandboxDone(w, r, c, "", err, "")
			return
		}
	default:
		http.Error(w, "unknown switch", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/sandbox?"+c.query()+"&done=switched#switches", http.StatusSeeOther)
}

func sandboxForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return false
	}
	return true
}

// sandboxDone redirects back to the page after a customer action, or
// shows why the simulator refused it next to the field at fault.
func (u *UI) sandboxDone(w http.ResponseWriter, r *http.Request, c sandboxCustomer, draft string, err error, done string) {
	switch {
	case err == nil:
		http.Redirect(w, r, "/sandbox?"+c.query()+"&done="+done+"#chat", http.StatusSeeOther)
	case errors.Is(err, sandbox.ErrUnknownSender):
		u.sandboxRefused(w, r, c, draft, "sender", "sandbox.sender.unknown")
	case errors.Is(err, sandbox.ErrSenderNotConnected):
		u.sandboxRefused(w, r, c, draft, "sender", "sandbox.sender.offline")
	case errors.Is(err, sandbox.ErrUnknownChoice):
		u.sandboxRefused(w, r, c, draft, "choice", "sandbox.choice.unknown")
	case errors.Is(err, sandbox.ErrInvalidPhone):
		u.sandboxRefused(w, r, c, draft, "phone", "sandbox.phone.invalid")
	case errors.Is(err, sandbox.ErrInvalidInput):
		u.sandboxRefused(w, r, c, draft, "text", "sandbox.text.empty")
	default:
		u.fail(w, r, err)
	}
}

// sandboxRefused shows the page again with the problem beside its field
// and what the user typed kept.
func (u *UI) sandboxRefused(w http.ResponseWriter, r *http.Request, c sandboxCustomer, draft, field, key string) {
	d := u.sandboxData(r, c)
	d.Draft = draft
	d.Problems[field] = t(r.Context(), key)
	render(w, r, http.StatusUnprocessableEntity, sandboxView(d))
}

// noticeText confirms a finished action (after the redirect).
func sandboxNotice(r *http.Request, done string) string {
	switch done {
	case "sent":
		return t(r.Context(), "sandbox.notice.sent")
	case "switched":
		return t(r.Context(), "sandbox.notice.switched")
	}
	return ""
}
