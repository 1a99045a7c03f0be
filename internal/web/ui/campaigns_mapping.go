package ui

import (
	"net/http"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/messaging"
)

// The mapping step: each placeholder of the template gets a source (a
// contact field, a lead field, a CSV column or a fixed text) and a
// default for recipients the source leaves empty. Saving it counts the
// audience (campaign.Service.Preview, POST .../audience/preview) and goes
// on to the review.

// mappingRow is one placeholder as the form shows it.
type mappingRow struct {
	Placeholder string
	From        string // the select: a source, or "text:" for a fixed text
	Text        string // the fixed text
	Default     string
}

// mappingOption is one source the selects offer.
type mappingOption struct {
	Value, Label string
}

type mappingData struct {
	F       campaignFrame
	Rows    []mappingRow
	Options []mappingOption
	Body    string // the template's body text, its placeholders as they are
}

func mappingRowOf(ph string, src campaign.Source) mappingRow {
	row := mappingRow{Placeholder: ph, From: src.From, Default: src.Default}
	if rest, ok := strings.CutPrefix(src.From, "text:"); ok {
		row.From, row.Text = "text:", rest
	}
	return row
}

// mappingData builds the step around rows; placeholders are read from
// the template when rows is nil.
func (u *UI) mappingData(r *http.Request, f campaignFrame, rows []mappingRow) (mappingData, error) {
	ctx := r.Context()
	d := mappingData{F: f, Rows: rows}
	if rows == nil {
		phs, err := u.Campaigns.Placeholders(ctx, f.C.ID)
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindInvalid {
			d.F.Problem = campaignErrText(ctx, ae)
		} else if err != nil {
			return d, err
		}
		for _, ph := range phs {
			d.Rows = append(d.Rows, mappingRowOf(ph, f.C.Mapping[ph]))
		}
	}
	tpls, err := u.Accounts.Templates(ctx, account.TemplateFilter{Name: f.C.Template.Name})
	if err != nil {
		return d, err
	}
	for _, tp := range tpls {
		if tp.Language == f.C.Template.Language {
			d.Body = messaging.TemplateBody(tp)
			break
		}
	}
	d.Options = []mappingOption{{"contact.name", t(ctx, "campaigns.map.contact_name")}, {"contact.phone", t(ctx, "campaigns.map.contact_phone")}}
	fields, err := u.Campaigns.FieldNames(ctx)
	if err != nil {
		return d, err
	}
	for _, k := range fields {
		d.Options = append(d.Options, mappingOption{"contact." + k, t(ctx, "campaigns.map.contact_field") + ": " + k})
	}
	d.Options = append(d.Options, mappingOption{"lead.status", t(ctx, "campaigns.map.lead_status")}, mappingOption{"lead.source", t(ctx, "campaigns.map.lead_source")})
	if f.C.Audience.Kind == "csv" {
		_, cols, err := u.Campaigns.CSVInfo(ctx, f.C.ID)
		if err != nil {
			return d, err
		}
		for _, col := range cols {
			d.Options = append(d.Options, mappingOption{"csv." + col, t(ctx, "campaigns.map.csv") + ": " + col})
		}
	}
	d.Options = append(d.Options, mappingOption{"text:", t(ctx, "campaigns.map.text")})
	return d, nil
}

// campaignMappingPage shows the mapping step.
func (u *UI) campaignMappingPage(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	d, err := u.mappingData(r, u.campaignFrame(r, c, "mapping"), nil)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, campaignMappingView(d))
}

// saveCampaignMapping saves the mapping through Update, counts the
// audience through Preview and goes on to the review.
func (u *UI) saveCampaignMapping(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	f := u.campaignFrame(r, c, "mapping")
	in := campaignInput(c)
	in.Mapping = map[string]campaign.Source{}
	var rows []mappingRow
	for _, ph := range r.PostForm["placeholder"] {
		row := mappingRow{Placeholder: ph, From: r.PostForm.Get("from-" + ph), Text: r.PostForm.Get("text-" + ph), Default: r.PostForm.Get("default-" + ph)}
		rows = append(rows, row)
		if row.From == "" {
			continue // the service says what is missing
		}
		src := campaign.Source{From: row.From, Default: row.Default}
		if row.From == "text:" {
			src.From = "text:" + row.Text
		}
		in.Mapping[ph] = src
	}
	fields := map[string]string{"mapping.*": "from-*"}
	_, err := u.Campaigns.Update(ctx, c.ID, in)
	if err == nil {
		_, err = u.Campaigns.Preview(ctx, c.ID)
		if err == nil {
			http.Redirect(w, r, campaignPath(c.ID)+"/review", http.StatusSeeOther)
			return
		}
	}
	if !campaignRefused(ctx, &f, err, fields) {
		u.fail(w, r, err)
		return
	}
	if ae, _ := apperr.As(err); ae.Code == "mapping_incomplete" {
		for _, row := range rows {
			if row.From == "" {
				f.Errors["from-"+row.Placeholder] = t(ctx, "campaigns.err.unmapped")
			}
		}
	}
	if c, err = u.Campaigns.Get(ctx, c.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	f.C = c
	d, err := u.mappingData(r, f, rows)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusUnprocessableEntity, campaignMappingView(d))
}
