package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/campaign"
)

// The wizard's first step: the campaign's name, its sender(s) (split
// evenly) and the approved template it sends. It creates the draft (POST
// /campaigns/new) or changes it; a changed sender or template asks for a
// new test send (the service's rule).

// setupForm is the setup step as typed.
type setupForm struct {
	Name      string
	SenderIDs map[int64]bool
	Template  string // "name|language"
}

type setupData struct {
	F         campaignFrame
	Form      setupForm
	Senders   []account.Sender
	Templates []account.Template
}

var setupFields = map[string]string{"name": "name", "sender_ids": "sender_ids", "template": "template"}

func setupFormOf(c campaign.Campaign) setupForm {
	f := setupForm{Name: c.Name, SenderIDs: map[int64]bool{}}
	for _, id := range c.SenderIDs {
		f.SenderIDs[id] = true
	}
	if c.Template.Name != "" {
		f.Template = c.Template.Name + "|" + c.Template.Language
	}
	return f
}

func (u *UI) setupData(r *http.Request, f campaignFrame, form setupForm) (setupData, error) {
	d := setupData{F: f, Form: form}
	var err error
	if d.Senders, err = u.Accounts.Senders(r.Context(), 0); err != nil {
		return d, err
	}
	d.Templates, err = u.Accounts.Templates(r.Context(), account.TemplateFilter{Status: "APPROVED"})
	return d, err
}

// campaignNewPage is the first step of a new campaign.
func (u *UI) campaignNewPage(w http.ResponseWriter, r *http.Request) {
	form := setupForm{SenderIDs: map[int64]bool{}}
	d, err := u.setupData(r, u.campaignFrame(r, campaign.Campaign{}, "setup"), form)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(d.Senders) == 1 {
		d.Form.SenderIDs[d.Senders[0].ID] = true
	}
	render(w, r, http.StatusOK, campaignSetupView(d))
}

// campaignSetupPage is the first step of a draft.
func (u *UI) campaignSetupPage(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	d, err := u.setupData(r, u.campaignFrame(r, c, "setup"), setupFormOf(c))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, campaignSetupView(d))
}

// readSetup reads the posted setup step into in.
func readSetup(r *http.Request, in *campaign.Input) setupForm {
	form := setupForm{Name: r.PostForm.Get("name"), SenderIDs: map[int64]bool{}, Template: r.PostForm.Get("template")}
	in.Name = form.Name
	in.SenderIDs = nil
	for _, v := range r.PostForm["sender_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !form.SenderIDs[id] {
			form.SenderIDs[id] = true
			in.SenderIDs = append(in.SenderIDs, id)
		}
	}
	name, lang, _ := strings.Cut(form.Template, "|")
	in.Template = campaign.Template{Name: name, Language: lang}
	return form
}

// createCampaign creates the draft through campaign.Service.Create (the
// call behind POST /api/v1/campaigns) with an audience of every contact,
// and goes on to the audience step.
func (u *UI) createCampaign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := campaign.Input{Config: campaign.Config{Audience: campaign.Audience{Kind: "contacts"}, Mapping: map[string]campaign.Source{},
		Pause: campaign.PauseRules{Quality: "RED", Offline: true, ErrorShare: 0.5}}}
	form := readSetup(r, &in)
	c, err := u.Campaigns.Create(ctx, userFrom(ctx).ID, in)
	if err == nil {
		http.Redirect(w, r, campaignPath(c.ID)+"/audience", http.StatusSeeOther)
		return
	}
	f := u.campaignFrame(r, campaign.Campaign{}, "setup")
	if !campaignRefused(ctx, &f, err, setupFields) {
		u.fail(w, r, err)
		return
	}
	u.setupRefused(w, r, f, form)
}

// saveCampaignSetup changes the draft's name, senders and template
// through campaign.Service.Update (PUT /api/v1/campaigns/{id}).
func (u *UI) saveCampaignSetup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	in := campaignInput(c)
	form := readSetup(r, &in)
	if _, err := u.Campaigns.Update(ctx, c.ID, in); err != nil {
		f := u.campaignFrame(r, c, "setup")
		if !campaignRefused(ctx, &f, err, setupFields) {
			u.fail(w, r, err)
			return
		}
		u.setupRefused(w, r, f, form)
		return
	}
	http.Redirect(w, r, campaignPath(c.ID)+"/audience", http.StatusSeeOther)
}

func (u *UI) setupRefused(w http.ResponseWriter, r *http.Request, f campaignFrame, form setupForm) {
	d, err := u.setupData(r, f, form)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusUnprocessableEntity, campaignSetupView(d))
}
