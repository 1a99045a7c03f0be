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

// Variables fill a template's placeholders. Keys are the body's
// placeholders as the template names them ("1", "2"… or "first_name"),
// "header.<placeholder>" for a text header, and "button.<index>" for the
// suffix of a dynamic URL button.
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
	body     []string
	bodyText string
	header   []string
	buttons  map[int]bool // index → has a URL placeholder
	named    bool
}

func shapeOf(t account.Template) templateShape {
	sh := templateShape{buttons: map[int]bool{}, named: t.ParameterFormat == "NAMED"}
	var comps []tplComponent
	_ = json.Unmarshal(t.Components, &comps)
	for _, c := range comps {
		switch strings.ToUpper(c.Type) {
		case "BODY":
			sh.body, sh.bodyText = placeholdersIn(c.Text), c.Text
		case "HEADER":
			if strings.ToUpper(c.Format) == "TEXT" || c.Format == "" {
				sh.header = placeholdersIn(c.Text)
			}
		case "BUTTONS":
			for i, b := range c.Buttons {
				if strings.ToUpper(b.Type) == "URL" && len(placeholdersIn(b.URL)) > 0 {
					sh.buttons[i] = true
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
	idx := make([]int, 0, len(sh.buttons))
	for i := range sh.buttons {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		keys = append(keys, "button."+strconv.Itoa(i))
	}
	return keys
}

// checkVariables says which variables are missing or unknown.
func checkVariables(sh templateShape, vars Variables) error {
	need := sh.required()
	var missing, unknown []string
	for _, k := range need {
		if strings.TrimSpace(vars[k]) == "" {
			missing = append(missing, "{{"+k+"}}")
		}
	}
	for k := range vars {
		if !slices.Contains(need, k) {
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
	idx := make([]int, 0, len(sh.buttons))
	for i := range sh.buttons {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		comps = append(comps, map[string]any{"type": "button", "sub_type": "url", "index": strconv.Itoa(i),
			"parameters": []map[string]any{{"type": "text", "text": vars["button."+strconv.Itoa(i)]}}})
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
