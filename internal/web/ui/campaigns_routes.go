package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/campaign"
)

// The campaign pages: the list, the wizard that sets a draft up one step
// at a time (setup → audience → mapping → review → test → schedule), and
// a campaign's page with its live counts. Every step saves through the
// same campaign.Service call the REST API uses, so both refuse the same
// input with the same field; a refused step shows the form again as typed
// with the error next to its field. Every route needs manage_settings,
// like /api/v1/campaigns: a campaign speaks for the business to thousands
// of people at once.

// maxCampaignUpload bounds the audience step's post (a CSV file).
const maxCampaignUpload = 50 << 20

// campaignSteps are the wizard's steps, in order.
var campaignSteps = []string{"setup", "audience", "mapping", "review", "test", "schedule"}

// registerCampaigns adds the campaign pages and actions to mux.
func (u *UI) registerCampaigns(mux *http.ServeMux) {
	get := func(h func(w http.ResponseWriter, r *http.Request)) http.Handler { return u.campaignsRoute(h) }
	post := func(h func(w http.ResponseWriter, r *http.Request)) http.Handler { return u.guard(u.campaignsRoute(h)) }
	mux.Handle("GET /campaigns", get(u.campaignsPage))
	mux.Handle("GET /campaigns/new", get(u.campaignNewPage))
	mux.Handle("POST /campaigns/new", post(u.createCampaign))
	mux.Handle("GET /campaigns/{id}", get(u.campaignPage))
	mux.Handle("GET /campaigns/{id}/live", get(u.campaignLive))
	mux.Handle("GET /campaigns/{id}/recipients.csv", get(u.campaignRecipientsCSV))
	mux.Handle("GET /campaigns/{id}/skipped.csv", get(u.campaignSkippedCSV))
	mux.Handle("GET /campaigns/{id}/setup", get(u.campaignSetupPage))
	mux.Handle("POST /campaigns/{id}/setup", post(u.saveCampaignSetup))
	mux.Handle("GET /campaigns/{id}/audience", get(u.campaignAudiencePage))
	mux.Handle("POST /campaigns/{id}/audience", post(u.saveCampaignAudience))
	mux.Handle("GET /campaigns/{id}/mapping", get(u.campaignMappingPage))
	mux.Handle("POST /campaigns/{id}/mapping", post(u.saveCampaignMapping))
	mux.Handle("GET /campaigns/{id}/review", get(u.campaignReviewPage))
	mux.Handle("POST /campaigns/{id}/review", post(u.countCampaignAudience))
	mux.Handle("GET /campaigns/{id}/test", get(u.campaignTestPage))
	mux.Handle("POST /campaigns/{id}/test", post(u.sendCampaignTest))
	mux.Handle("GET /campaigns/{id}/schedule", get(u.campaignSchedulePage))
	mux.Handle("POST /campaigns/{id}/schedule", post(u.saveCampaignSchedule))
	mux.Handle("POST /campaigns/{id}/pause", post(u.campaignAction("paused", pauseCampaignBy)))
	mux.Handle("POST /campaigns/{id}/resume", post(u.campaignAction("resumed", resumeCampaignBy)))
	mux.Handle("POST /campaigns/{id}/cancel", post(u.campaignAction("cancelled", cancelCampaignBy)))
	mux.Handle("POST /campaigns/{id}/delete", post(u.deleteCampaignDraft))
}

// campaignsRoute serves a campaign page or action: a session with the
// manage-settings permission (anyone else gets 403, GET and POST alike),
// in the user's language, with a posted form parsed and bounded (the
// audience step's multipart form is parsed by its handler).
func (u *UI) campaignsRoute(fn func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return u.signedIn(func(w http.ResponseWriter, r *http.Request) {
		ctx := withLocale(r.Context(), locale(r))
		r = r.WithContext(ctx)
		if !userFrom(ctx).Can(agent.PermManageSettings) {
			render(w, r, http.StatusForbidden, forbiddenView(u.chrome(ctx)))
			return
		}
		if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
		}
		fn(w, r)
	})
}

// campaignParam reads the {id} campaign; false means it answered 404.
func (u *UI) campaignParam(w http.ResponseWriter, r *http.Request) (campaign.Campaign, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, t(r.Context(), "campaigns.not_found"), http.StatusNotFound)
		return campaign.Campaign{}, false
	}
	c, err := u.Campaigns.Get(r.Context(), id)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.Error(w, t(r.Context(), "campaigns.not_found"), http.StatusNotFound)
		return c, false
	}
	if err != nil {
		u.fail(w, r, err)
		return c, false
	}
	return c, true
}

// campaignDraft reads the {id} campaign for a wizard step: a campaign
// that is no longer a draft has its own page instead.
func (u *UI) campaignDraft(w http.ResponseWriter, r *http.Request) (campaign.Campaign, bool) {
	c, ok := u.campaignParam(w, r)
	if ok && c.Status != campaign.StatusDraft {
		http.Redirect(w, r, campaignPath(c.ID), http.StatusSeeOther)
		return c, false
	}
	return c, ok
}

func campaignPath(id int64) string { return "/campaigns/" + fmtID(id) }

// campaignFrame is what every wizard step shows around its form.
type campaignFrame struct {
	Chrome chrome
	C      campaign.Campaign // the zero Campaign on /campaigns/new
	Step   string
	Saved  bool
	// Errors maps a form field to what is wrong with it; Problem is an
	// error that belongs to no field of this step.
	Errors  map[string]string
	Problem string
}

func (u *UI) campaignFrame(r *http.Request, c campaign.Campaign, step string) campaignFrame {
	return campaignFrame{Chrome: u.chrome(r.Context()), C: c, Step: step, Errors: map[string]string{},
		Saved: r.Method == http.MethodGet && r.URL.Query().Get("saved") == "1"}
}

// next is the step after f's.
func (f campaignFrame) next() string {
	for i, s := range campaignSteps {
		if s == f.Step && i+1 < len(campaignSteps) {
			return campaignSteps[i+1]
		}
	}
	return ""
}

// stepPath is the address of step of f's campaign.
func (f campaignFrame) stepPath(step string) string {
	return campaignPath(f.C.ID) + "/" + step
}

// campaignInput is a campaign as Update takes it.
func campaignInput(c campaign.Campaign) campaign.Input {
	return campaign.Input{Name: c.Name, Config: c.Config}
}

// campaignRefused puts a validation or conflict error next to its field
// when the step has it (fields maps the service's field, e.g.
// "window.start", to the form's), else as the step's problem; it reports
// false for any other error (the caller's).
func campaignRefused(ctx context.Context, f *campaignFrame, err error, fields map[string]string) bool {
	ae, ok := apperr.As(err)
	if !ok || (ae.Kind != apperr.KindInvalid && ae.Kind != apperr.KindConflict) {
		return false
	}
	msg := campaignErrText(ctx, ae)
	if name, ok := fields[ae.Field]; ok && ae.Field != "" {
		f.Errors[name] = msg
		return true
	}
	if head, rest, ok := strings.Cut(ae.Field, "."); ok {
		if name, ok := fields[head+".*"]; ok {
			f.Errors[strings.ReplaceAll(name, "*", rest)] = msg // mapping.1 is the from-1 field
			return true
		}
	}
	f.Problem = msg
	return true
}

// campaignErrText translates a service error: the catalogue's text for
// its code and field, else for its code, else the service's English.
func campaignErrText(ctx context.Context, ae *apperr.Error) string {
	if ae.Field != "" {
		if s := t(ctx, "campaigns.err."+ae.Code+"."+ae.Field); s != "campaigns.err."+ae.Code+"."+ae.Field {
			return s
		}
	}
	return panelText(ctx, "campaigns.err."+ae.Code, ae.Message)
}

// campaignInvalid is the aria-invalid value of a field.
func campaignInvalid(f campaignFrame, name string) string {
	if f.Errors[name] != "" {
		return "true"
	}
	return "false"
}

// campaignStatusLabel names a campaign status.
func campaignStatusLabel(ctx context.Context, status string) string {
	return t(ctx, "campaigns.status."+status)
}
