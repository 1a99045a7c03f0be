package ui

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/agent"
)

// templatesData is the templates page: every synced template with a
// preview rendered from Meta's sample values.
type templatesData struct {
	Chrome    chrome
	Templates []templateRow
	Accounts  []account.Account
	Status    string // the filter
	IsAdmin   bool
	Synced    string // how many a sync just found ("" when none ran)
}

type templateRow struct {
	T       account.Template
	Preview templatePreview
}

// templatePreview is a template as a customer would see it, with sample
// values in its placeholders.
type templatePreview struct {
	Header  string
	Body    string
	Footer  string
	Buttons []string
}

// templatesPage lists the synced templates with their status, category,
// language and a preview; admins also get "Sync" per account.
func (u *UI) templatesPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	status := strings.ToUpper(r.URL.Query().Get("status"))
	list, err := u.Accounts.Templates(ctx, account.TemplateFilter{Status: status})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	accounts, err := u.Accounts.Accounts(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := templatesData{Chrome: u.chrome(ctx), Accounts: accounts, Status: status, IsAdmin: userFrom(ctx).Role == agent.RoleAdmin,
		Synced: r.URL.Query().Get("synced")}
	for _, t := range list {
		d.Templates = append(d.Templates, templateRow{T: t, Preview: previewTemplate(t.Components)})
	}
	render(w, r, http.StatusOK, templatesView(d))
}

// previewComponent is the part of a template component the preview reads,
// including Meta's examples.
type previewComponent struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Text    string `json:"text"`
	Example struct {
		HeaderText []string   `json:"header_text"`
		BodyText   [][]string `json:"body_text"`
		BodyNamed  []struct {
			Name    string `json:"param_name"`
			Example string `json:"example"`
		} `json:"body_text_named_params"`
		HeaderNamed []struct {
			Name    string `json:"param_name"`
			Example string `json:"example"`
		} `json:"header_text_named_params"`
	} `json:"example"`
	Buttons []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"buttons"`
}

var previewPlaceholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// previewTemplate renders components with Meta's sample values; a
// placeholder without one shows as [name].
func previewTemplate(raw json.RawMessage) templatePreview {
	var comps []previewComponent
	_ = json.Unmarshal(raw, &comps)
	var p templatePreview
	for _, c := range comps {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			if f := strings.ToUpper(c.Format); f != "" && f != "TEXT" {
				p.Header = "[" + strings.ToLower(f) + "]"
				continue
			}
			samples := map[string]string{}
			for i, v := range c.Example.HeaderText {
				samples[strconv.Itoa(i+1)] = v
			}
			for _, n := range c.Example.HeaderNamed {
				samples[n.Name] = n.Example
			}
			p.Header = fillSamples(c.Text, samples)
		case "BODY":
			samples := map[string]string{}
			if len(c.Example.BodyText) > 0 {
				for i, v := range c.Example.BodyText[0] {
					samples[strconv.Itoa(i+1)] = v
				}
			}
			for _, n := range c.Example.BodyNamed {
				samples[n.Name] = n.Example
			}
			p.Body = fillSamples(c.Text, samples)
		case "FOOTER":
			p.Footer = c.Text
		case "BUTTONS":
			for _, b := range c.Buttons {
				p.Buttons = append(p.Buttons, b.Text)
			}
		}
	}
	return p
}

func fillSamples(text string, samples map[string]string) string {
	return previewPlaceholder.ReplaceAllStringFunc(text, func(m string) string {
		name := previewPlaceholder.FindStringSubmatch(m)[1]
		if v, ok := samples[name]; ok && v != "" {
			return v
		}
		return "[" + name + "]"
	})
}
