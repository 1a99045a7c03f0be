package sandbox

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// sendTemplate is the "template" object of a send request.
type sendTemplate struct {
	Name     string `json:"name"`
	Language struct {
		Code   string `json:"code"`
		Policy string `json:"policy"`
	} `json:"language"`
	Components []sendComponent `json:"components"`
}

type sendComponent struct {
	Type       string          `json:"type"`     // header, body, button
	SubType    string          `json:"sub_type"` // button: quick_reply, url, …
	Index      json.RawMessage `json:"index"`    // "0" (string per Meta) or 0
	Parameters []sendParam     `json:"parameters"`
}

type sendParam struct {
	Type          string `json:"type"`
	ParameterName string `json:"parameter_name"`
	Text          string `json:"text"`
	Payload       string `json:"payload"`
	CouponCode    string `json:"coupon_code"`
	Currency      *struct {
		FallbackValue string `json:"fallback_value"`
	} `json:"currency"`
	DateTime *struct {
		FallbackValue string `json:"fallback_value"`
	} `json:"date_time"`
	Image    *sendMedia `json:"image"`
	Video    *sendMedia `json:"video"`
	Document *sendMedia `json:"document"`
}

// placeholderRE matches {{1}} and {{named_param}} placeholders.
var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// placeholders lists the distinct placeholders of text in first-seen order.
func placeholders(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// checkTemplate applies Meta's send-time template rules: only APPROVED
// templates send (132015 paused, 132016 disabled, 132001 otherwise), the
// header/body parameter counts must equal the placeholders (132000), a
// media header needs its media parameter (132012) and buttons their
// parameters (template_buttons.go). On success it fills out.text with the
// rendered body and out.params.
func (s *Sandbox) checkTemplate(req *sendTemplate, out *outbound) *apiError {
	t := out.tpl
	switch t.Status {
	case "APPROVED":
	case "PAUSED":
		return s.apiErr(132015, "")
	case "DISABLED":
		return s.apiErr(132016, "")
	default:
		return s.apiErr(132001, fmt.Sprintf("template name (%s) is %s in %s, not APPROVED", t.Name, t.Status, t.Language))
	}
	var headerParams, bodyParams []sendParam
	buttonParams := map[int]sendComponent{}
	for _, c := range req.Components {
		switch strings.ToLower(c.Type) {
		case "header":
			headerParams = append(headerParams, c.Parameters...)
		case "body":
			bodyParams = append(bodyParams, c.Parameters...)
		case "button":
			idx, err := strconv.Atoi(strings.Trim(strings.TrimSpace(string(c.Index)), `"`))
			if err != nil {
				return s.apiErr(131008, "buttons: the parameter index is required for button components.")
			}
			if _, dup := buttonParams[idx]; dup {
				return s.apiErr(131009, fmt.Sprintf("buttons: more than one button component has index %d.", idx))
			}
			buttonParams[idx] = c
		default:
			return s.apiErr(131009, fmt.Sprintf("components: type %q must be one of header, body, button.", c.Type))
		}
	}
	named := strings.EqualFold(t.ParameterFormat, "NAMED")
	for _, comp := range t.Components {
		switch strings.ToUpper(comp.Type) {
		case "HEADER":
			if e := s.checkHeader(comp, headerParams, named); e != nil {
				return e
			}
			headerParams = nil
		case "BODY":
			vals, e := s.bindParams("body", comp.Text, bodyParams, named)
			if e != nil {
				return e
			}
			out.text = render(comp.Text, vals)
			for _, p := range bodyParams {
				out.params = append(out.params, paramValue(p))
			}
			bodyParams = nil
		case "BUTTONS":
			if e := s.checkButtonParams(comp.Buttons, buttonParams); e != nil {
				return e
			}
		}
	}
	for idx := range buttonParams { // checkButtonParams took those with a button
		return s.apiErr(131009, fmt.Sprintf("buttons: the template has no button at index %d.", idx))
	}
	if len(headerParams) > 0 {
		return s.apiErr(132000, fmt.Sprintf("header: number of localizable_params (%d) does not match the expected number of params (0)", len(headerParams)))
	}
	if len(bodyParams) > 0 {
		return s.apiErr(132000, fmt.Sprintf("body: number of localizable_params (%d) does not match the expected number of params (0)", len(bodyParams)))
	}
	return nil
}

func (s *Sandbox) checkHeader(comp TemplateComponent, params []sendParam, named bool) *apiError {
	switch format := strings.ToUpper(comp.Format); format {
	case "", "TEXT":
		_, e := s.bindParams("header", comp.Text, params, named)
		return e
	case "IMAGE", "VIDEO", "DOCUMENT":
		// Meta's answer to a missing or mistyped media header, as clients
		// report it: "header: Format mismatch, expected IMAGE, received UNKNOWN".
		received := "UNKNOWN"
		if len(params) > 0 && params[0].Type != "" {
			received = strings.ToUpper(params[0].Type)
		}
		if len(params) == 0 || received != format {
			return s.apiErr(132012, fmt.Sprintf("header: Format mismatch, expected %s, received %s", format, received))
		}
		if len(params) > 1 {
			return s.apiErr(132000, fmt.Sprintf("header: number of localizable_params (%d) does not match the expected number of params (1)", len(params)))
		}
		m := map[string]*sendMedia{"IMAGE": params[0].Image, "VIDEO": params[0].Video, "DOCUMENT": params[0].Document}[format]
		if m == nil || (strings.TrimSpace(m.ID) == "" && strings.TrimSpace(m.Link) == "") {
			return s.apiErr(131008, fmt.Sprintf("header: the %s parameter must contain either id or link.", strings.ToLower(format)))
		}
	}
	return nil
}

// bindParams checks params against the placeholders of text and returns the
// value for each placeholder name.
func (s *Sandbox) bindParams(where, text string, params []sendParam, named bool) (map[string]string, *apiError) {
	names := placeholders(text)
	if len(params) != len(names) {
		return nil, s.apiErr(132000, fmt.Sprintf("%s: number of localizable_params (%d) does not match the expected number of params (%d)", where, len(params), len(names)))
	}
	vals := make(map[string]string, len(names))
	for i, p := range params {
		switch strings.ToLower(p.Type) {
		case "text", "currency", "date_time":
		default:
			return nil, s.apiErr(132012, fmt.Sprintf("%s: parameter type %q is not valid for a text placeholder", where, p.Type))
		}
		v := paramValue(p)
		if strings.TrimSpace(v) == "" {
			return nil, s.apiErr(131008, fmt.Sprintf("%s: parameter %d has an empty value", where, i+1))
		}
		key := strconv.Itoa(i + 1)
		if named {
			if p.ParameterName == "" {
				return nil, paramErr(fmt.Sprintf("Invalid parameter: %s parameter %d needs a parameter_name for a template with named parameters", where, i+1))
			}
			if !slices.Contains(names, p.ParameterName) {
				return nil, s.apiErr(132000, fmt.Sprintf("%s: parameter name (%s) does not exist in the template", where, p.ParameterName))
			}
			key = p.ParameterName
		}
		vals[key] = v
	}
	return vals, nil
}

func paramValue(p sendParam) string {
	switch {
	case p.Currency != nil:
		return p.Currency.FallbackValue
	case p.DateTime != nil:
		return p.DateTime.FallbackValue
	}
	return p.Text
}

func render(text string, vals map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		if v, ok := vals[name]; ok {
			return v
		}
		return m
	})
}
