package messaging

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
)

// Variables fill a template's parameters, all as text so that flows,
// campaigns and forms can fill them alike. Keys are:
//   - the body's placeholders as the template names them ("1", "2"… or
//     "first_name");
//   - "header.<placeholder>" for a text header's placeholder;
//   - "header.image", "header.video" or "header.document" for a media
//     header (format IMAGE, VIDEO or DOCUMENT): a public http(s) link or
//     an uploaded media id, the key naming the header's kind; and, for a
//     document, the optional "header.filename";
//   - "button.<index>" (0-based, the button's place in the template) for
//     a button's parameter: the suffix of a dynamic URL button, the coupon
//     code of a COPY_CODE button (required, at most 15 characters), or the
//     payload of a QUICK_REPLY button (optional: without it, a tap comes
//     back with the button's text as its payload).
//
// See template_params.go for the media header and button parameters.
type Variables map[string]string

// tplComponent is the part of Meta's template component we read.
type tplComponent struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Text    string `json:"text"`
	Buttons []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"buttons"`
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// placeholdersIn lists a text's placeholders in order, once each.
func placeholdersIn(text string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// templateShape is what a template asks for.
type templateShape struct {
	name     string
	body     []string
	bodyText string
	header   []string
	// headerMedia is image, video or document when the header takes a
	// media parameter; headerFormat is the header's format as synced
	// (TEXT, IMAGE…; "" without a header), for error messages.
	headerMedia  string
	headerFormat string
	buttons      map[int]string // index → the kind of parameter it takes: url, copy_code, quick_reply
	named        bool
}

func shapeOf(t account.Template) templateShape {
	sh := templateShape{name: t.Name, buttons: map[int]string{}, named: t.ParameterFormat == "NAMED"}
	var comps []tplComponent
	_ = json.Unmarshal(t.Components, &comps)
	for _, c := range comps {
		switch strings.ToUpper(c.Type) {
		case "BODY":
			sh.body, sh.bodyText = placeholdersIn(c.Text), c.Text
		case "HEADER":
			sh.headerFormat = strings.ToUpper(c.Format)
			switch sh.headerFormat {
			case "", "TEXT":
				sh.headerFormat = "TEXT"
				sh.header = placeholdersIn(c.Text)
			case "IMAGE", "VIDEO", "DOCUMENT":
				sh.headerMedia = strings.ToLower(c.Format)
			}
		case "BUTTONS":
			for i, b := range c.Buttons {
				switch strings.ToUpper(b.Type) {
				case "URL":
					if len(placeholdersIn(b.URL)) > 0 {
						sh.buttons[i] = buttonURL
					}
				case "COPY_CODE":
					sh.buttons[i] = buttonCopyCode
				case "QUICK_REPLY":
					sh.buttons[i] = buttonQuickReply
				}
			}
		}
	}
	return sh
}

// required lists every variable key the template needs.
func (sh templateShape) required() []string {
	keys := slices.Clone(sh.body)
	for _, h := range sh.header {
		keys = append(keys, "header."+h)
	}
	if sh.headerMedia != "" {
		keys = append(keys, "header."+sh.headerMedia)
	}
	for _, i := range sh.buttonIndexes() {
		if sh.buttons[i] != buttonQuickReply {
			keys = append(keys, "button."+strconv.Itoa(i))
		}
	}
	return keys
}

// buttonIndexes lists the indexes of the buttons that take a parameter.
func (sh templateShape) buttonIndexes() []int {
	idx := make([]int, 0, len(sh.buttons))
	for i := range sh.buttons {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	return idx
}

// checkVariables says which variables are missing or unknown, after the
// media header and button parameters' own checks (template_params.go).
func checkVariables(sh templateShape, vars Variables) error {
	if err := checkTemplateParams(sh, vars); err != nil {
		return err
	}
	need := sh.required()
	var missing, unknown []string
	for _, k := range need {
		if strings.TrimSpace(vars[k]) == "" {
			missing = append(missing, "{{"+k+"}}")
		}
	}
	optional := sh.optional()
	for k := range vars {
		if !slices.Contains(need, k) && !slices.Contains(optional, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	switch {
	case len(missing) > 0:
		return apperr.Invalid("variables", "invalid_variables", "missing template variables: "+strings.Join(missing, ", ")+
			" (the template needs "+describeKeys(need)+")")
	case len(unknown) > 0:
		return apperr.Invalid("variables", "invalid_variables", "unknown template variables: "+strings.Join(unknown, ", ")+
			" (the template needs "+describeKeys(need)+")")
	}
	return nil
}

func describeKeys(keys []string) string {
	if len(keys) == 0 {
		return "no variables"
	}
	return strings.Join(keys, ", ")
}

// render fills a text's placeholders.
func render(text string, vars Variables, prefix string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		if v, ok := vars[prefix+name]; ok {
			return v
		}
		return m
	})
}

// templatePayload builds the Cloud API message for a template send.
func templatePayload(to string, t account.Template, sh templateShape, vars Variables) map[string]any {
	param := func(name, value string) map[string]any {
		p := map[string]any{"type": "text", "text": value}
		if sh.named {
			p["parameter_name"] = name
		}
		return p
	}
	var comps []map[string]any
	if sh.headerMedia != "" {
		comps = append(comps, headerMediaComponent(sh.headerMedia, vars))
	}
	if len(sh.header) > 0 {
		var ps []map[string]any
		for _, h := range sh.header {
			ps = append(ps, param(h, vars["header."+h]))
		}
		comps = append(comps, map[string]any{"type": "header", "parameters": ps})
	}
	if len(sh.body) > 0 {
		var ps []map[string]any
		for _, b := range sh.body {
			ps = append(ps, param(b, vars[b]))
		}
		comps = append(comps, map[string]any{"type": "body", "parameters": ps})
	}
	for _, i := range sh.buttonIndexes() {
		if c := buttonComponent(i, sh.buttons[i], vars["button."+strconv.Itoa(i)]); c != nil {
			comps = append(comps, c)
		}
	}
	tpl := map[string]any{"name": t.Name, "language": map[string]any{"code": t.Language}}
	if len(comps) > 0 {
		tpl["components"] = comps
	}
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template", "template": tpl}
}

// textPayload builds the Cloud API message for free-form text.
func textPayload(to, body string) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
		"text": map[string]any{"body": body, "preview_url": strings.Contains(body, "http://") || strings.Contains(body, "https://")}}
}
