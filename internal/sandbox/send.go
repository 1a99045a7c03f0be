package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// sendRequest is the body of POST /{phone-number-id}/messages: a message
// (text, template, media, …) or a mark-as-read / typing indicator.
type sendRequest struct {
	MessagingProduct      string            `json:"messaging_product"`
	RecipientType         string            `json:"recipient_type"`
	To                    string            `json:"to"`
	Type                  string            `json:"type"`
	Status                string            `json:"status"`           // "read" for mark-as-read
	MessageID             string            `json:"message_id"`       // with status
	TypingIndicator       *typingIndicator  `json:"typing_indicator"` // with status (typing.go)
	BizOpaqueCallbackData string            `json:"biz_opaque_callback_data"`
	Text                  *sendText         `json:"text"`
	Template              *sendTemplate     `json:"template"`
	Image                 *sendMedia        `json:"image"`
	Video                 *sendMedia        `json:"video"`
	Audio                 *sendMedia        `json:"audio"`
	Document              *sendMedia        `json:"document"`
	Sticker               *sendMedia        `json:"sticker"`
	Location              *sendLocation     `json:"location"`
	Reaction              *sendReaction     `json:"reaction"`
	Contacts              []json.RawMessage `json:"contacts"`
	Interactive           *sendInteractive  `json:"interactive"`
}

type sendText struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url"`
}

type sendMedia struct {
	ID       string `json:"id"`
	Link     string `json:"link"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type sendLocation struct {
	Latitude  json.RawMessage `json:"latitude"`
	Longitude json.RawMessage `json:"longitude"`
	Name      string          `json:"name"`
	Address   string          `json:"address"`
}

type sendReaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

type sendInteractive struct {
	Type   string               `json:"type"`
	Header *interactiveHeader   `json:"header"` // send_interactive.go
	Body   *sendInteractiveBody `json:"body"`
	Footer *sendInteractiveBody `json:"footer"`
	Action json.RawMessage      `json:"action"`
}

type sendInteractiveBody struct {
	Text string `json:"text"`
}

type sendResponse struct {
	MessagingProduct string        `json:"messaging_product"`
	Contacts         []sendContact `json:"contacts"`
	Messages         []sendMsgID   `json:"messages"`
}

type sendContact struct {
	Input string `json:"input"`
	WaID  string `json:"wa_id"`
}

type sendMsgID struct {
	ID string `json:"id"`
}

// outbound is a send request that passed shape validation.
type outbound struct {
	waID   string
	typ    string
	text   string
	tpl    *Template
	params []string
}

const (
	maxTextBody = 4096
	maxCaption  = 1024
	maxBodySize = 4 << 20
	windowTTL   = 24 * time.Hour
)

// handleSend serves POST /{version}/{phone-number-id}/messages.
func (s *Sandbox) handleSend(w http.ResponseWriter, r *http.Request) {
	// Meta counts a send when it arrives, not when this sandbox's one
	// lock lets it through: under load requests queue at the lock, and
	// stamping them there would bunch sends that arrived evenly paced.
	at := s.now()
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodySize))
	if err != nil {
		writeGraphError(w, paramErr("Request body too large or unreadable"))
		return
	}
	var req sendRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		writeGraphError(w, paramErr("Invalid parameter: request body is not valid JSON for this endpoint ("+err.Error()+")"))
		return
	}
	resp, e := s.send(r.PathValue("id"), raw, &req, at)
	if e != nil {
		writeGraphError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// send validates and accepts one request, in the order Meta's checks are
// observable: object, product, shape, injected failure, sender status,
// recipient, window, template state, throughput, pair rate. now is when
// the request arrived.
func (s *Sandbox) send(phoneID string, raw []byte, req *sendRequest, now time.Time) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snd, ok := s.senders[phoneID]
	if !ok {
		return nil, unsupportedErr(http.MethodPost, phoneID)
	}
	if req.MessagingProduct == "" {
		return nil, paramErr("The parameter messaging_product is required.")
	}
	if !strings.EqualFold(req.MessagingProduct, "whatsapp") {
		return nil, paramErr(fmt.Sprintf("Param messaging_product must be one of {WHATSAPP} - got %q.", req.MessagingProduct))
	}
	if req.Status != "" {
		resp, e := s.markRead(snd, req)
		if e == nil {
			s.recordReadLocked(phoneID, req.MessageID, raw) // reads.go
		}
		return resp, e
	}
	out, e := s.checkShape(snd, req)
	if e != nil {
		return nil, e
	}
	if snd.failCount > 0 {
		snd.failCount--
		return nil, s.apiErr(snd.failCode, "")
	}
	if e := s.senderCanSend(snd); e != nil {
		return nil, e
	}
	if out.waID == digitsOf(snd.DisplayPhoneNumber) {
		return nil, s.apiErr(131021, "")
	}
	undeliverable := s.notOnWA[out.waID]
	if undeliverable && !s.cfg.AsyncUndeliverable {
		return nil, s.apiErr(131026, "")
	}
	windowOpen := s.windowOpenLocked(phoneID, out.waID, now)
	if out.tpl == nil && !windowOpen {
		return nil, s.apiErr(131047, "")
	}
	if out.tpl != nil {
		if e := s.checkTemplate(req.Template, &out); e != nil {
			return nil, e
		}
	}
	if !snd.window.allows(now, snd.ThroughputMPS) {
		s.throttled++
		return nil, s.apiErr(130429, fmt.Sprintf("Cloud API message throughput has been reached (%d messages per second for this number).", snd.ThroughputMPS))
	}
	var bucket *tokenBucket
	if s.cfg.PairRateLimit {
		if bucket = snd.pairs[out.waID]; bucket == nil {
			bucket = newTokenBucket(now)
			snd.pairs[out.waID] = bucket
		}
		if !bucket.allows(now) {
			return nil, s.apiErr(131056, "")
		}
		bucket.take()
	}
	snd.window.record(now)

	msg := SentMessage{
		WAMID: newWAMID(out.waID, false), PhoneNumberID: phoneID, To: req.To, WaID: out.waID,
		Type: out.typ, Text: out.text, Params: out.params,
		Payload: json.RawMessage(append([]byte(nil), raw...)), Time: now,
	}
	if out.tpl != nil {
		msg.TemplateName, msg.TemplateLanguage = out.tpl.Name, out.tpl.Language
	}
	s.sent = record(s.sent, msg, s.cfg.MaxRecords)
	if n := len(s.sent) - s.cfg.PayloadsKept; n > 0 {
		s.sent[n-1].Payload = nil // kept for the latest sends only (Config.PayloadsKept)
	}
	switch {
	case undeliverable:
		s.scheduleFailedLocked(snd, msg, req.BizOpaqueCallbackData, 131026)
	case out.tpl != nil && out.tpl.Category == "MARKETING" && s.stopped[out.waID]:
		// Accepted, then refused by a failed status, as Meta does.
		s.scheduleFailedLocked(snd, msg, req.BizOpaqueCallbackData, 131050)
	default:
		s.scheduleStatusesLocked(snd, msg, out.tpl, windowOpen, req.BizOpaqueCallbackData)
	}
	return sendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []sendContact{{Input: req.To, WaID: out.waID}},
		Messages:         []sendMsgID{{ID: msg.WAMID}},
	}, nil
}

// markRead answers a read receipt / typing indicator the way Meta does.
func (s *Sandbox) markRead(snd *senderState, req *sendRequest) (any, *apiError) {
	if !strings.EqualFold(req.Status, "read") {
		return nil, paramErr(fmt.Sprintf("Param status must be one of {READ} - got %q.", req.Status))
	}
	if req.MessageID == "" {
		return nil, paramErr("The parameter message_id is required.")
	}
	if e := s.senderCanSend(snd); e != nil {
		return nil, e
	}
	if e := s.typingLocked(snd, req); e != nil {
		return nil, e
	}
	return map[string]bool{"success": true}, nil
}

// senderCanSend enforces that only a CONNECTED (or merely FLAGGED) number sends.
func (s *Sandbox) senderCanSend(snd *senderState) *apiError {
	switch snd.Status {
	case "CONNECTED", "FLAGGED":
		return nil
	case "RESTRICTED", "BANNED":
		return s.apiErr(131031, fmt.Sprintf("The business phone number is %s and cannot send messages.", snd.Status))
	}
	return s.apiErr(133010, fmt.Sprintf("The business phone number is %s, not CONNECTED; register it before sending.", snd.Status))
}

func (s *Sandbox) windowOpenLocked(phoneID, waID string, now time.Time) bool {
	last, ok := s.windows[pairKey{phoneID, waID}]
	return ok && now.Sub(last) < windowTTL
}

// checkShape validates recipient and per-type content, without state.
func (s *Sandbox) checkShape(snd *senderState, req *sendRequest) (outbound, *apiError) {
	var out outbound
	if req.RecipientType != "" && req.RecipientType != "individual" {
		return out, s.apiErr(131009, fmt.Sprintf("recipient_type %q is not supported by the sandbox; use \"individual\".", req.RecipientType))
	}
	if req.To == "" {
		return out, s.apiErr(131008, "The parameter to is required.")
	}
	waID, ok := normalizePhone(req.To, snd.CountryCode)
	if !ok {
		return out, s.apiErr(131009, fmt.Sprintf("Param to (%q) is not a valid phone number.", req.To))
	}
	out.waID = waID
	out.typ = strings.ToLower(req.Type)
	if out.typ == "" {
		out.typ = "text" // Cloud API's default type
	}
	switch out.typ {
	case "text":
		if req.Text == nil || req.Text.Body == "" {
			return out, paramErr("The parameter text['body'] is required.")
		}
		if utf8.RuneCountInString(req.Text.Body) > maxTextBody {
			return out, paramErr("Param text['body'] must be at most 4096 characters long.")
		}
		out.text = req.Text.Body
	case "template":
		if req.Template == nil {
			return out, paramErr("The parameter template is required.")
		}
		if req.Template.Name == "" {
			return out, s.apiErr(131008, "The parameter template['name'] is required.")
		}
		if req.Template.Language.Code == "" {
			return out, s.apiErr(131008, "The parameter template['language']['code'] is required.")
		}
		t := s.findTemplate(req.Template.Name, req.Template.Language.Code)
		if t == nil {
			return out, s.apiErr(132001, fmt.Sprintf("template name (%s) does not exist in %s", req.Template.Name, req.Template.Language.Code))
		}
		out.tpl = t
	case "image", "video", "audio", "document", "sticker":
		m := map[string]*sendMedia{"image": req.Image, "video": req.Video, "audio": req.Audio,
			"document": req.Document, "sticker": req.Sticker}[out.typ]
		if m == nil {
			return out, paramErr(fmt.Sprintf("The parameter %s is required.", out.typ))
		}
		if m.ID == "" && m.Link == "" {
			return out, s.apiErr(131008, fmt.Sprintf("Param %s must contain either id or link.", out.typ))
		}
		if utf8.RuneCountInString(m.Caption) > maxCaption {
			return out, paramErr(fmt.Sprintf("Param %s['caption'] must be at most 1024 characters long.", out.typ))
		}
		out.text = m.Caption
	case "location":
		if req.Location == nil || isNull(req.Location.Latitude) || isNull(req.Location.Longitude) {
			return out, s.apiErr(131008, "Params location['latitude'] and location['longitude'] are required.")
		}
		out.text = req.Location.Name
	case "reaction":
		if req.Reaction == nil || req.Reaction.MessageID == "" {
			return out, s.apiErr(131008, "The parameter reaction['message_id'] is required.")
		}
		out.text = req.Reaction.Emoji
	case "contacts":
		if len(req.Contacts) == 0 {
			return out, s.apiErr(131008, "The parameter contacts is required.")
		}
	case "interactive":
		if req.Interactive == nil || req.Interactive.Type == "" {
			return out, s.apiErr(131008, "The parameter interactive['type'] is required.")
		}
		if isNull(req.Interactive.Action) {
			return out, s.apiErr(131008, "The parameter interactive['action'] is required.")
		}
		if e := s.checkInteractive(req.Interactive); e != nil {
			return out, e
		}
		if req.Interactive.Body != nil {
			out.text = req.Interactive.Body.Text
		}
	default:
		return out, paramErr(fmt.Sprintf("Param type must be one of {AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO} - got %q.", req.Type))
	}
	return out, nil
}

func isNull(r json.RawMessage) bool {
	v := strings.TrimSpace(string(r))
	return v == "" || v == "null" || v == `""`
}

func (s *Sandbox) findTemplate(name, lang string) *Template {
	for i := range s.templates {
		if s.templates[i].Name == name && s.templates[i].Language == lang {
			t := s.templates[i]
			return &t
		}
	}
	return nil
}
