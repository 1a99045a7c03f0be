package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/settings"
)

// The saved prompts panel: the prompts of the ✨ menu's custom prompt,
// each edited in its own form, through the ai.Service calls behind
// /api/v1/ai/prompts (so both refuse the same input).

// settingsPromptForm is one prompt's form as stored or as typed (ID 0: the new
// prompt form).
type settingsPromptForm struct {
	ID          int64
	Name        string
	Description string
	Prompt      string
}

// settingsPromptsData is the panel: every prompt, the new prompt form, and which
// form the frame's errors belong to.
type settingsPromptsData struct {
	Prompts []settingsPromptForm
	New     settingsPromptForm
	// ErrorsFor is the ID of the form a refused save came from (0: new).
	ErrorsFor int64
}

func (u *UI) loadSettingsPrompts(r *http.Request) (settingsPromptsData, error) {
	ps, err := u.AI.Prompts(r.Context())
	if err != nil {
		return settingsPromptsData{}, err
	}
	d := settingsPromptsData{ErrorsFor: -1}
	for _, p := range ps {
		d.Prompts = append(d.Prompts, settingsPromptForm{ID: p.ID, Name: p.Name, Description: p.Description, Prompt: p.Prompt})
	}
	return d, nil
}

func (u *UI) settingsPromptsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "prompts")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d, err := u.loadSettingsPrompts(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, settingsPromptsView(f, d))
}

func settingsPromptInput(r *http.Request) (settingsPromptForm, ai.PromptInput) {
	p := settingsPromptForm{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"), Prompt: r.PostForm.Get("prompt")}
	return p, ai.PromptInput{Name: &p.Name, Description: &p.Description, Prompt: &p.Prompt}
}

// settingsCreatePrompt adds a saved prompt.
func (u *UI) settingsCreatePrompt(w http.ResponseWriter, r *http.Request) {
	form, in := settingsPromptInput(r)
	created, err := u.AI.CreatePrompt(r.Context(), in)
	u.settingsPromptSaved(w, r, form, err, func() string { return "created prompt " + strconv.Quote(created.Name) })
}

// settingsUpdatePrompt changes a saved prompt.
func (u *UI) settingsUpdatePrompt(w http.ResponseWriter, r *http.Request) {
	id, ok := u.settingsPromptID(w, r)
	if !ok {
		return
	}
	before, err := u.AI.Prompt(r.Context(), id)
	if err != nil {
		u.settingsPromptMissing(w, r, err)
		return
	}
	form, in := settingsPromptInput(r)
	form.ID = id
	after, err := u.AI.UpdatePrompt(r.Context(), id, in)
	u.settingsPromptSaved(w, r, form, err, func() string {
		if d := settings.Diff(settingsPromptAudit(before), settingsPromptAudit(after)); d != "" {
			return "prompt " + strconv.Quote(before.Name) + ": " + d
		}
		return ""
	})
}

// settingsDeletePrompt removes a saved prompt.
func (u *UI) settingsDeletePrompt(w http.ResponseWriter, r *http.Request) {
	id, ok := u.settingsPromptID(w, r)
	if !ok {
		return
	}
	p, err := u.AI.Prompt(r.Context(), id)
	if err == nil {
		err = u.AI.DeletePrompt(r.Context(), id)
	}
	if err != nil {
		u.settingsPromptMissing(w, r, err)
		return
	}
	f, err := u.panelFrame(r, "prompts")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.panelSaved(w, r, f, "deleted prompt "+strconv.Quote(p.Name))
}

// settingsPromptSaved finishes a create or update: saved (with its audit line),
// refused (the panel again, the user's input and the error in its form),
// or failed.
func (u *UI) settingsPromptSaved(w http.ResponseWriter, r *http.Request, form settingsPromptForm, err error, summary func() string) {
	f, ferr := u.panelFrame(r, "prompts")
	if ferr != nil {
		u.fail(w, r, ferr)
		return
	}
	if err == nil {
		u.panelSaved(w, r, f, summary())
		return
	}
	if !panelRefused(r.Context(), &f, err) {
		u.fail(w, r, err)
		return
	}
	d, derr := u.loadSettingsPrompts(r)
	if derr != nil {
		u.fail(w, r, derr)
		return
	}
	d.ErrorsFor = form.ID
	if form.ID == 0 {
		d.New = form
	}
	for i := range d.Prompts {
		if d.Prompts[i].ID == form.ID {
			d.Prompts[i] = form
		}
	}
	render(w, r, http.StatusUnprocessableEntity, settingsPromptsView(f, d))
}

func (u *UI) settingsPromptID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, t(r.Context(), "settings.prompts.missing"), http.StatusNotFound)
		return 0, false
	}
	return id, true
}

func (u *UI) settingsPromptMissing(w http.ResponseWriter, r *http.Request, err error) {
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.Error(w, t(r.Context(), "settings.prompts.missing"), http.StatusNotFound)
		return
	}
	u.fail(w, r, err)
}

// settingsPromptAudit is what a prompt's audit line compares.
func settingsPromptAudit(p ai.Prompt) map[string]string {
	return map[string]string{"name": p.Name, "description": p.Description, "prompt": p.Prompt}
}

// panelFormErrors are the frame's errors when they belong to the form of id.
func panelFormErrors(f settingsFrame, d settingsPromptsData, id int64) settingsFrame {
	if d.ErrorsFor != id {
		f.Errors = map[string]string{}
	}
	return f
}
