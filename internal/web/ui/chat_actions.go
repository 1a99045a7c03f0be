package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
)

// The chat's team actions: assign, resolve, reopen and write a note. Each
// first loads the chat the way its page does, so a chat the user may not
// see answers 404 here too; each ends back on the chat (post/redirect/get).

// assignChat gives the chat to the chosen user (or to nobody); it needs
// PermAssign.
func (u *UI) assignChat(w http.ResponseWriter, r *http.Request) {
	d, ok := u.chatForm(w, r)
	if !ok {
		return
	}
	user := userFrom(r.Context())
	if !user.Can(agent.PermAssign) {
		http.Error(w, t(r.Context(), "assign.forbidden"), http.StatusForbidden)
		return
	}
	to, err := strconv.ParseInt(r.PostForm.Get("user_id"), 10, 64)
	if err != nil || to < 0 {
		d.Team.AssignProblem = t(r.Context(), "assign.invalid")
		render(w, r, http.StatusUnprocessableEntity, inboxView(d))
		return
	}
	if err := u.team().Assign(r.Context(), d.Current.ID, to, user.ID); err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindInvalid {
			d.Team.AssignProblem = t(r.Context(), "assign.invalid")
			render(w, r, http.StatusUnprocessableEntity, inboxView(d))
			return
		}
		u.fail(w, r, err)
		return
	}
	u.backToChat(w, r, d)
}

// resolveChat marks the chat done; reopenChat puts it back.
func (u *UI) resolveChat(w http.ResponseWriter, r *http.Request) { u.setResolved(w, r, true) }
func (u *UI) reopenChat(w http.ResponseWriter, r *http.Request)  { u.setResolved(w, r, false) }

func (u *UI) setResolved(w http.ResponseWriter, r *http.Request, resolved bool) {
	d, ok := u.chatForm(w, r)
	if !ok {
		return
	}
	by := userFrom(r.Context()).ID
	var err error
	if resolved {
		err = u.team().Resolve(r.Context(), d.Current.ID, by)
	} else {
		err = u.team().Reopen(r.Context(), d.Current.ID, by)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.backToChat(w, r, d)
}

// addNote writes an internal note: the team sees it in the chat, the
// customer never gets it.
func (u *UI) addNote(w http.ResponseWriter, r *http.Request) {
	d, ok := u.chatForm(w, r)
	if !ok {
		return
	}
	body := r.PostForm.Get("body")
	if _, err := u.team().AddNote(r.Context(), d.Current.ID, userFrom(r.Context()).ID, body); err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindInvalid {
			d.Team.NoteDraft, d.Team.NoteProblem = body, t(r.Context(), "note.invalid")
			render(w, r, http.StatusUnprocessableEntity, inboxView(d))
			return
		}
		u.fail(w, r, err)
		return
	}
	u.backToChat(w, r, d)
}

// chatForm parses an action's form and loads its chat (404 when the user
// may not see it); ok is false when it already answered.
func (u *UI) chatForm(w http.ResponseWriter, r *http.Request) (inboxData, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return inboxData{}, false
	}
	d, err := u.inbox(r)
	if err != nil {
		u.inboxError(w, r, err)
		return d, false
	}
	return d, true
}

func (u *UI) backToChat(w http.ResponseWriter, r *http.Request, d inboxData) {
	http.Redirect(w, r, listLink(d, fmtID(d.Current.ID), d.Filter), http.StatusSeeOther)
}
