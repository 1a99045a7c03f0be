package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
)

// inboxData is what the inbox page shows.
type inboxData struct {
	Chrome chrome
	// The list (list.templ): one page of what the user may see, chosen
	// by ?filter= and ?q= (see inbox_list.go).
	List     []messaging.InboxItem
	Filter   string
	Query    string
	Current  *messaging.Conversation
	Messages []messaging.Message
	Sandbox  bool
	Now      time.Time
	Draft    string
	Problem  string      // a refused reply, with its fix
	Compose  composeData // the reply box's templates and ✨ menu (compose.go)
	// Team is the open chat's owner, history and notes (chat_head.templ).
	Team chatTeam
	// Lead is the lead panel beside the open chat (leads_chat.go).
	Lead chatLead
}

// inboxPage lists the conversations, newest first, and shows the chosen one.
func (u *UI) inboxPage(w http.ResponseWriter, r *http.Request) {
	d, err := u.inbox(r)
	if err != nil {
		u.inboxError(w, r, err)
		return
	}
	render(w, r, http.StatusOK, inboxView(d))
}

func (u *UI) inbox(r *http.Request) (inboxData, error) {
	ctx := withLocale(r.Context(), locale(r))
	*r = *r.WithContext(ctx)
	d := inboxData{Chrome: u.chrome(ctx), Sandbox: u.SandboxOn(), Now: u.Now()}
	viewer, err := u.Messaging.ViewerOf(ctx, userFrom(ctx))
	if err != nil {
		return d, err
	}
	if err := u.loadList(r, viewer, &d); err != nil {
		return d, err
	}
	if idText := r.PathValue("id"); idText != "" {
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			return d, apperr.NotFound("conversation")
		}
		// A chat the user may not see is answered as one that does not
		// exist, for the page and every action under it.
		c, err := u.Messaging.VisibleConversation(ctx, viewer, id)
		if err != nil {
			return d, err
		}
		d.Current = &c
		if err := u.loadChatTeam(ctx, &d); err != nil {
			return d, err
		}
		if err := u.loadChatLead(ctx, &d); err != nil {
			return d, err
		}
		if d.Messages, err = u.Messaging.Messages(ctx, id, 50); err != nil {
			return d, err
		}
		if d.Compose, err = u.composeFor(ctx, c, r); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (u *UI) inboxError(w http.ResponseWriter, r *http.Request, err error) {
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.Error(w, ae.Message, http.StatusNotFound)
		return
	}
	u.fail(w, r, err)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
