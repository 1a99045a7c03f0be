package messaging

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
)

// A template's media header and its buttons take parameters besides the
// text placeholders, in the Cloud API's template components:
//
//	{"type":"header","parameters":[{"type":"image","image":{"link":"https://…"}}]}
//	{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"…"}]}
//	{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"…"}]}
//	{"type":"button","sub_type":"copy_code","index":"2","parameters":[{"type":"coupon_code","coupon_code":"…"}]}
//
// They are filled from Variables (see its keys) and checked against the
// synced template before anything is stored: Meta would refuse the send
// later, as a failed message, for what can be said now as a named error.

// Button kinds that take a parameter.
const (
	buttonURL        = "url"
	buttonCopyCode   = "copy_code"
	buttonQuickReply = "quick_reply"
)

// MaxCouponCode is the Cloud API's limit for a COPY_CODE button's code.
const MaxCouponCode = 15

// headerMediaKinds are the media a template header can hold.
var headerMediaKinds = []string{"image", "video", "document"}

// optional lists the keys a template takes but does not need: quick-reply
// payloads and a document header's file name.
func (sh templateShape) optional() []string {
	var keys []string
	if sh.headerMedia == "document" {
		keys = append(keys, "header.filename")
	}
	for _, i := range sh.buttonIndexes() {
		if sh.buttons[i] == buttonQuickReply {
			keys = append(keys, "button."+strconv.Itoa(i))
		}
	}
	return keys
}

// checkTemplateParams checks the media header and button parameters, each
// problem an invalid_request error naming variables.<key>.
func checkTemplateParams(sh templateShape, vars Variables) error {
	for _, kind := range append(slices.Clone(headerMediaKinds), "filename") {
		key := "header." + kind
		if strings.TrimSpace(vars[key]) == "" || slices.Contains(sh.header, kind) {
			continue // not given (a blank media header is missing, below); or a text header's placeholder named "image"
		}
		field := "variables." + key
		switch {
		case sh.headerMedia == "":
			what := "no header"
			if sh.headerFormat != "" {
				what = "a " + strings.ToLower(sh.headerFormat) + " header"
			}
			return apperr.Invalid(field, "invalid_request", "template "+sh.name+" has "+what+", so it takes no "+key+": remove it")
		case kind == "filename" && sh.headerMedia != "document":
			return apperr.Invalid(field, "invalid_request", "header.filename names a document header's file; template "+sh.name+"'s header is an "+sh.headerMedia)
		case kind != "filename" && kind != sh.headerMedia:
			return apperr.Invalid(field, "invalid_request", "template "+sh.name+"'s header is "+article(sh.headerMedia)+" "+sh.headerMedia+
				", not "+article(kind)+" "+kind+": pass variables.header."+sh.headerMedia)
		}
	}
	if sh.headerMedia != "" {
		key := "header." + sh.headerMedia
		field := "variables." + key
		v := strings.TrimSpace(vars[key])
		if v == "" {
			return apperr.Invalid(field, "invalid_request", "template "+sh.name+" has "+article(sh.headerMedia)+" "+sh.headerMedia+
				" header: "+key+" is required, a public http(s) link or an uploaded media id")
		}
		if _, err := headerMedia(sh.headerMedia, v, vars["header.filename"]); err != nil {
			return err
		}
	}
	for _, i := range sh.buttonIndexes() {
		key := "button." + strconv.Itoa(i)
		if sh.buttons[i] != buttonCopyCode {
			continue
		}
		if n := utf8.RuneCountInString(vars[key]); n > MaxCouponCode {
			return apperr.Invalid("variables."+key, "invalid_request", key+" is the coupon code of a copy-code button: "+
				strconv.Itoa(n)+" characters; WhatsApp allows "+strconv.Itoa(MaxCouponCode))
		}
	}
	return nil
}

// headerMedia reads a media header's value: a link when it is an http(s)
// URL, else a media id (Meta's ids are digits), checked by mediaObject as
// any media message is.
func headerMedia(kind, value, filename string) (map[string]any, error) {
	field := "variables.header." + kind
	m := &Media{Filename: strings.TrimSpace(filename)}
	lower := strings.ToLower(value)
	switch {
	case strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://"):
		m.Link = value
	case strings.Trim(value, "0123456789") == "":
		m.ID = value
	default:
		return nil, apperr.Invalid(field, "invalid_request", "header."+kind+" must be a public http(s) link or an uploaded media id (digits), not "+strconv.Quote(value))
	}
	return mediaObject(field, kind, m, false)
}

// headerMediaComponent is the header component of a media header.
func headerMediaComponent(kind string, vars Variables) map[string]any {
	obj, _ := headerMedia(kind, strings.TrimSpace(vars["header."+kind]), vars["header.filename"]) // checked by checkTemplateParams
	return map[string]any{"type": "header", "parameters": []map[string]any{{"type": kind, kind: obj}}}
}

// buttonComponent is the component of button i, or nil for a quick reply
// without a payload (the tap then carries the button's text).
func buttonComponent(i int, kind, value string) map[string]any {
	var p map[string]any
	switch kind {
	case buttonURL:
		p = map[string]any{"type": "text", "text": value}
	case buttonCopyCode:
		p = map[string]any{"type": "coupon_code", "coupon_code": value}
	case buttonQuickReply:
		if value == "" {
			return nil
		}
		p = map[string]any{"type": "payload", "payload": value}
	default:
		return nil
	}
	return map[string]any{"type": "button", "sub_type": kind, "index": strconv.Itoa(i), "parameters": []map[string]any{p}}
}

// sentComponent is a template component of a stored payload, read back by
// ResendRequest.
type sentComponent struct {
	Type       string `json:"type"`
	SubType    string `json:"sub_type"`
	Index      string `json:"index"`
	Parameters []struct {
		Type          string `json:"type"`
		Text          string `json:"text"`
		ParameterName string `json:"parameter_name"`
		Payload       string `json:"payload"`
		CouponCode    string `json:"coupon_code"`
		Image         *Media `json:"image"`
		Video         *Media `json:"video"`
		Document      *Media `json:"document"`
	} `json:"parameters"`
}

// sentVariables rebuilds the Variables that produced a template's
// components.
func sentVariables(comps []sentComponent) Variables {
	vars := Variables{}
	for _, c := range comps {
		for i, prm := range c.Parameters {
			name := prm.ParameterName
			if name == "" {
				name = strconv.Itoa(i + 1)
			}
			switch c.Type {
			case "body":
				vars[name] = prm.Text
			case "header":
				if m := map[string]*Media{"image": prm.Image, "video": prm.Video, "document": prm.Document}[prm.Type]; m != nil {
					vars["header."+prm.Type] = firstNonBlank(m.Link, m.ID)
					if m.Filename != "" {
						vars["header.filename"] = m.Filename
					}
					continue
				}
				vars["header."+name] = prm.Text
			case "button":
				vars["button."+c.Index] = firstNonBlank(prm.Text, prm.Payload, prm.CouponCode)
			}
		}
	}
	return vars
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
