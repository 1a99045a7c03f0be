package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// maxTemplatePages bounds ListTemplates' paging so a server that keeps
// returning "next" cannot loop it forever. At 100 per page this covers
// 5,000 templates.
const maxTemplatePages = 50

// templateFields is the field list ListTemplates asks for.
const templateFields = "id,name,language,category,status,parameter_format,components"

// Template is a message template as the Graph API lists it. Only APPROVED
// templates can be sent; the send pipeline checks Status and the
// placeholder count before sending.
type Template struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`           // e.g. en_US
	Category string `json:"category,omitempty"` // MARKETING, UTILITY, AUTHENTICATION
	Status   string `json:"status,omitempty"`   // APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ...
	// ParameterFormat is POSITIONAL ({{1}}, {{2}}) or NAMED
	// ({{first_name}}); empty means POSITIONAL, Meta's default.
	ParameterFormat string `json:"parameter_format,omitempty"`
	// Components are HEADER, BODY, FOOTER and BUTTONS, kept as Meta sent
	// them so the UI can render previews.
	Components json.RawMessage `json:"components,omitempty"`
}

// Placeholders returns the BODY component's placeholders, deduplicated, in
// the order their values must be supplied: "1", "2", … in numeric order
// for POSITIONAL templates, names in order of first appearance for NAMED
// ones. A flow step uses this to know which variables a template needs.
// Components that cannot be read yield nil.
func (t Template) Placeholders() []string {
	var comps []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(t.Components, &comps) != nil {
		return nil
	}
	named := strings.EqualFold(t.ParameterFormat, "NAMED")
	var out []string
	seen := map[string]bool{}
	for _, c := range comps {
		if !strings.EqualFold(c.Type, "BODY") {
			continue
		}
		for _, name := range scanPlaceholders(c.Text) {
			if isDigits([]byte(name)) == named || seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, name)
		}
	}
	if !named {
		sort.SliceStable(out, func(i, j int) bool {
			a, _ := strconv.Atoi(out[i])
			b, _ := strconv.Atoi(out[j])
			return a < b
		})
	}
	return out
}

// scanPlaceholders returns the names inside "{{...}}" in text, in order;
// names are letters, digits and underscores (surrounding spaces allowed).
func scanPlaceholders(text string) []string {
	var names []string
	for {
		start := strings.Index(text, "{{")
		if start < 0 {
			return names
		}
		rest := text[start+2:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return names
		}
		if name := strings.TrimSpace(rest[:end]); isPlaceholderName(name) {
			names = append(names, name)
			text = rest[end+2:]
		} else {
			text = text[start+1:] // "{{{1}}}": retry one brace later
		}
	}
}

// isPlaceholderName reports whether s is a non-empty run of ASCII
// letters, digits and underscores.
func isPlaceholderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '_' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// ListTemplates returns every template of a WhatsApp Business Account:
// GET /{version}/{waba-id}/message_templates?limit=100&fields=..., then
// paging.next until there is none. Paging links are followed only on the
// configured Graph host (the token must not leak elsewhere), and more than
// 50 pages is an error rather than a silently truncated list.
func (c *Client) ListTemplates(ctx context.Context, token, wabaID string) ([]Template, error) {
	next, err := c.endpoint(url.Values{"limit": {"100"}, "fields": {templateFields}}, wabaID, "message_templates")
	if err != nil {
		return nil, err
	}
	var all []Template
	for page := 0; next != ""; page++ {
		if page == maxTemplatePages {
			return nil, fmt.Errorf("whatsapp: list templates: more than %d pages", maxTemplatePages)
		}
		var resp struct {
			Data   []Template `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := c.do(ctx, http.MethodGet, next, token, nil, &resp); err != nil {
			return nil, err
		}
		all = append(all, resp.Data...)
		if resp.Paging.Next != "" && !c.sameOrigin(resp.Paging.Next) {
			return nil, fmt.Errorf("whatsapp: list templates: paging link leaves the Graph API host: %s",
				truncate(resp.Paging.Next, 100))
		}
		next = resp.Paging.Next
	}
	if all == nil {
		all = []Template{}
	}
	return all, nil
}
