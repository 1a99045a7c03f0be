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

// promptForm is one prompt's form as stored or as typed (ID 0: the new
// prompt form).
type promptForm struct {
	ID          int64
	Name        string
	Description string
	Prompt      string
}

// promptsData is the panel: every prompt, the new prompt form, and which
// form the frame's errors belong to.
type promptsData struct {
	Prompts []promptForm
	New     promptForm
	// ErrorsFor is the ID of the form a refused save came from (0: new).
	ErrorsFor int64
}

func (u *UI) promptsData(r *http.Request) (promptsData, error) {
	ps, err := u.AI.Prompts(r.Context())
	if err != nil {
		return promptsData{}, err
	}
	d := promptsData{ErrorsFor: -1}
	for _, p := range ps {
		d.Prompts = append(d.Prompts, promptForm{ID: p.ID, Name: p.Name, Description: p.Description, Prompt: p.Prompt})
	}
	return d, nil
}

func (u *UI) promptsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.frame(r, "prompts")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d, err := u.promptsData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, promptsView(f, d))
}

func promptInput(r *http.Request) (promptForm, ai.PromptInput) {
	p := promptForm{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"), Prompt: r.PostForm.Get("prompt")}
	return p, ai.PromptInput{Name: &p.Name, Description: &p.Description, Prompt: &p.Prompt}
}

// createPrompt adds a saved prompt.
func (u *UI) createPrompt(w http.ResponseWriter, r *http.Request) {
	form, in := promptInput(r)
	created, err := u.AI.CreatePrompt(r.Context(), in)
	u.promptSaved(w, r, form, err, func() string { return "created prompt " + strconv.Quote(created.Name) })
}

// updatePrompt changes a saved prompt.
func (u *UI) updatePrompt(w http.ResponseWriter, r *http.Request) {
	id, ok := u.promptID(w, r)
	if !ok {
		return
	}
	before, err := u.AI.Prompt(r.Context(), id)
	if err != nil {
		u.promptMissing(w, r, err)
		return
	}
	form, in := promptInput(r)
	form.ID = id
	after, err := u.AI.UpdatePrompt(r.Context(), id, in)
	u.promptSaved(w, r, form, err, func() string {
		if d := settings.Diff(promptAudit(before), promptAudit(after)); d != "" {
			return "prompt " + strconv.Quote(before.Name) + ": " + d
		}
		return ""
	})
}

// deletePrompt removes a saved prompt.
func (u *UI) deletePrompt(w http.ResponseWriter, r *http.Request) {
	id, ok := u.promptID(w, r)
	if !ok {
		return
	}
	p, err := u.AI.Prompt(r.Context(), id)
	if err == nil {
		err = u.AI.DeletePrompt(r.Context(), id)
	}
	if err != nil {
		u.promptMissing(w, r, err)
		return
	}
	f, err := u.frame(r, "prompts")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.saved(w, r, f, "deleted prompt "+strconv.Quote(p.Name))
}

// promptSaved finishes a create or update: saved (with its audit line),
// refused (the panel again, the user's input and the error in its form),
// or failed.
func (u *UI) promptSaved(w http.ResponseWriter, r *http.Request, form promptForm, err error, summary func() string) {
	f, ferr := u.frame(r, "prompts")
	if ferr != nil {
		u.fail(w, r, ferr)
		return
	}
	if err == nil {
		u.saved(w, r, f, summary())
		return
	}
	if !refused(r.Context(), &f, err) {
		u.fail(w, r, err)
		return
	}
	d, derr := u.promptsData(r)
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
	render(w, r, http.StatusUnprocessableEntity, promptsView(f, d))
}

func (u *UI) promptID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, t(r.Context(), "settings.prompts.missing"), http.StatusNotFound)
		return 0, false
	}
	return id, true
}

func (u *UI) promptMissing(w http.ResponseWriter, r *http.Request, err error) {
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.Error(w, t(r.Context(), "settings.prompts.missing"), http.StatusNotFound)
		return
	}
	u.fail(w, r, err)
}

// promptAudit is what a prompt's audit line compares.
func promptAudit(p ai.Prompt) map[string]string {
	return map[string]string{"name": p.Name, "description": p.Description, "prompt": p.Prompt}
}

// formErrors are the frame's errors when they belong to the form of id.
func formErrors(f settingsFrame, d promptsData, id int64) settingsFrame {
	if d.ErrorsFor != id {
		f.Errors = map[string]string{}
	}
	return f
}
