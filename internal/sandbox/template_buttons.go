package sandbox

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// A template's buttons take parameters at send time, one button component
// each, its index the button's place among the template's buttons:
// a dynamic URL button the URL's suffix ({"type":"text"}), a COPY_CODE
// button the code to copy ({"type":"coupon_code"}, at most 15
// characters), a QUICK_REPLY button an optional payload that comes back
// when the customer taps it ({"type":"payload"}). Meta refuses a missing
// required parameter with 131008 and a wrong one with 131009.

// maxCouponCode is the longest code a COPY_CODE button copies.
const maxCouponCode = 15

// buttonSubTypes maps a template button's type to the sub_type of the
// send's button component, for those that take a parameter.
var buttonSubTypes = map[string]string{"URL": "url", "COPY_CODE": "copy_code", "QUICK_REPLY": "quick_reply"}

// checkButtonParams checks the button components of a send against the
// template's buttons; a component with no button at its index is
// refused by checkTemplate.
func (s *Sandbox) checkButtonParams(buttons []TemplateButton, params map[int]sendComponent) *apiError {
	for i, b := range buttons {
		typ := strings.ToUpper(b.Type)
		c, given := params[i]
		delete(params, i)
		needs := typ == "COPY_CODE" || (typ == "URL" && len(placeholders(b.URL)) > 0)
		if !given {
			if needs {
				return s.apiErr(131008, fmt.Sprintf("buttons: Button at index %d of type %s requires a parameter", i, buttonTypeName(typ)))
			}
			continue
		}
		want, ok := buttonSubTypes[typ]
		if !ok || (typ == "URL" && !needs) {
			return s.apiErr(131009, fmt.Sprintf("buttons: Button at index %d of type %s does not take a parameter", i, buttonTypeName(typ)))
		}
		if !strings.EqualFold(c.SubType, want) {
			return s.apiErr(131009, fmt.Sprintf("buttons: Button at index %d is of type %s: sub_type must be %s, not %q", i, buttonTypeName(typ), want, c.SubType))
		}
		if len(c.Parameters) != 1 {
			return s.apiErr(131009, fmt.Sprintf("buttons: Button at index %d takes exactly one parameter, got %d", i, len(c.Parameters)))
		}
		if e := s.checkButtonParam(i, typ, c.Parameters[0]); e != nil {
			return e
		}
	}
	return nil
}

func (s *Sandbox) checkButtonParam(i int, typ string, p sendParam) *apiError {
	wantType, value := map[string]string{"URL": "text", "COPY_CODE": "coupon_code", "QUICK_REPLY": "payload"}[typ], ""
	switch typ {
	case "URL":
		value = p.Text
	case "COPY_CODE":
		value = p.CouponCode
	case "QUICK_REPLY":
		value = p.Payload
	}
	if !strings.EqualFold(p.Type, wantType) {
		return s.apiErr(131009, fmt.Sprintf("buttons: the parameter of button at index %d must be of type %s, not %q", i, wantType, p.Type))
	}
	if strings.TrimSpace(value) == "" {
		return s.apiErr(131008, fmt.Sprintf("buttons: the %s of button at index %d is required", wantType, i))
	}
	if typ == "COPY_CODE" && utf8.RuneCountInString(value) > maxCouponCode {
		return s.apiErr(131009, fmt.Sprintf("buttons: coupon_code length invalid. Min length: 1, Max length: %d", maxCouponCode))
	}
	return nil
}

// buttonTypeName is how Meta's messages name a button type (Url, CopyCode…).
func buttonTypeName(typ string) string {
	parts := strings.Split(strings.ToLower(typ), "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
