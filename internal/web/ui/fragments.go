package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
)

// olderPage is how many messages one scroll back loads.
const olderPage = 50

// conversationParam reads the {id} of the path and checks the user may
// see that conversation. A refused one answers 404 like a missing one, so
// a restricted agent learns nothing of it.
func (u *UI) conversationParam(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, "conversation not found", http.StatusNotFound)
		return 0, false
	}
	ok, err := u.CanSee(r.Context(), userFrom(r.Context()), id)
	if err != nil {
		u.fail(w, r, err)
		return 0, false
	}
	if !ok {
		http.Error(w, "conversation not found", http.StatusNotFound)
		return 0, false
	}
	return id, true
}

// messageFragment renders one message of the open chat (GET
// /inbox/{id}/messages/{mid}): live.js fetches it when an event says the
// message is new or its status moved.
func (u *UI) messageFragment(w http.ResponseWriter, r *http.Request) {
	*r = *r.WithContext(withLocale(r.Context(), locale(r)))
	id, ok := u.conversationParam(w, r)
	if !ok {
		return
	}
	mid, err := strconv.ParseInt(r.PathValue("mid"), 10, 64)
	if err != nil {
		http.Error(w, "message not found", http.StatusNotFound)
		return
	}
	m, err := u.Messaging.Message(r.Context(), mid)
	if ae, named := apperr.As(err); (named && ae.Kind == apperr.KindNotFound) || (err == nil && m.ConversationID != id) {
		http.Error(w, "message not found", http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, messageView(m))
}

// olderMessages renders the messages before ?before=<message id> (GET
// /inbox/{id}/messages): the chat's infinite scroll back.
func (u *UI) olderMessages(w http.ResponseWriter, r *http.Request) {
	*r = *r.WithContext(withLocale(r.Context(), locale(r)))
	id, ok := u.conversationParam(w, r)
	if !ok {
		return
	}
	before, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil || before <= 0 {
		http.Error(w, "before must be a message id", http.StatusBadRequest)
		return
	}
	msgs, err := u.Messaging.MessagesBefore(r.Context(), id, before, olderPage)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, messagePage(msgs, len(msgs) == olderPage))
}

// listFragment renders the conversation list (GET /inbox/list), the same
// one the inbox page shows: live.js refreshes it when another
// conversation changes.
func (u *UI) listFragment(w http.ResponseWriter, r *http.Request) {
	d, err := u.inbox(r)
	if err != nil {
		u.inboxError(w, r, err)
		return
	}
	render(w, r, http.StatusOK, conversationList(d))
}
