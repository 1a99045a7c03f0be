package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
)

// The reply box (compose.templ): free text while the 24-hour window is
// open; a template picker with a field per variable and a preview once it
// is closed; the ✨ menu (ai_menu.go). Every send goes through the outbox,
// and a refused one comes back with its named error, its fix and the
// draft kept.

// composeData is what the reply box shows besides the draft.
type composeData struct {
	Templates []composeTemplate
	Chosen    string            // key of the chosen template
	Vars      map[string]string // the template variables typed so far
	Preview   string            // the chosen template's body with Vars filled in
	// Code and Fix name a refused send or AI call (the message is
	// inboxData.Problem) and say what to do; Field is the input at fault.
	Code  string
	Fix   string
	Field string
	// AI says whether the ✨ menu shows (AI enabled in the settings).
	AI      bool
	Prompts []ai.Prompt
	// AIChoice is the ✨ action last asked for, so a re-rendered menu keeps it.
	AIChoice string
}

// composeTemplate is one approved template the picker offers.
type composeTemplate struct {
	Key, Name, Language, Category, Body string
	Fields                              []string
}

// chosen returns the chosen template, if any.
func (c composeData) chosen() (composeTemplate, bool) {
	for _, t := range c.Templates {
		if t.Key == c.Chosen {
			return t, true
		}
	}
	return composeTemplate{}, false
}

func templateKey(name, language string) string { return name + "|" + language }

// varField is the form name of a template variable.
func varField(key string) string { return "var." + key }

// composeFor loads the reply box of conversation c: the ✨ menu when AI is
// on and, with the window closed, the sender's approved templates with
// the chosen one's variables and preview (from r's form, if any).
func (u *UI) composeFor(ctx context.Context, c messaging.Conversation, r *http.Request) (composeData, error) {
	var d composeData
	if u.AI != nil {
		st, err := u.AI.AISettings(ctx)
		if err != nil {
			return d, err
		}
		if d.AI = st.Enabled; d.AI {
			if d.Prompts, err = u.AI.Prompts(ctx); err != nil {
				return d, err
			}
		}
		d.AIChoice = r.FormValue("ai")
	}
	if c.WindowOpen {
		return d, nil
	}
	snd, err := u.Accounts.Sender(ctx, c.SenderID)
	if err != nil {
		return d, err
	}
	list, err := u.Accounts.Templates(ctx, account.TemplateFilter{AccountID: snd.AccountID, Status: "APPROVED"})
	if err != nil {
		return d, err
	}
	byKey := map[string]account.Template{}
	for _, t := range list {
		k := templateKey(t.Name, t.Language)
		byKey[k] = t
		d.Templates = append(d.Templates, composeTemplate{Key: k, Name: t.Name, Language: t.Language, Category: t.Category,
			Body: messaging.TemplateBody(t), Fields: messaging.TemplateVariables(t)})
	}
	d.Chosen = r.FormValue("template")
	t, ok := byKey[d.Chosen]
	if !ok {
		if len(list) == 0 {
			d.Chosen = ""
			return d, nil
		}
		t = list[0]
		d.Chosen = templateKey(t.Name, t.Language)
	}
	d.Vars = map[string]string{}
	for _, f := range messaging.TemplateVariables(t) {
		if v := r.FormValue(varField(f)); v != "" {
			d.Vars[f] = v
		}
	}
	d.Preview = messaging.RenderTemplateBody(t, d.Vars)
	return d, nil
}

// parseComposeForm bounds and parses a reply box form.
func parseComposeForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return false
	}
	return true
}

// conversationPage loads the inbox page of the request's conversation for
// an action on it, answering 404 for a conversation the user may not see.
func (u *UI) conversationPage(w http.ResponseWriter, r *http.Request) (inboxData, bool) {
	d, err := u.inbox(r)
	if err == nil && (d.Current == nil || !u.canSeeConversation(r.Context(), userFrom(r.Context()), d.Current.ID)) {
		err = apperr.NotFound("conversation")
	}
	if err != nil {
		u.inboxError(w, r, err)
		return d, false
	}
	return d, true
}

// agentSource records which agent sent a message.
func agentSource(ctx context.Context) string {
	return "agent:" + strconv.FormatInt(userFrom(ctx).ID, 10)
}

// reply sends the agent's free-form text through the send pipeline; a
// refused send shows its error and fix in the reply box, keeping the text.
// The reply box posts multipart/form-data, with a file or without
// (compose_attach.go); a plain form (older pages, tests) carries only text.
func (u *UI) reply(w http.ResponseWriter, r *http.Request) {
	if isMultipartForm(r) {
		u.replyMultipart(w, r)
		return
	}
	if !parseComposeForm(w, r) {
		return
	}
	d, ok := u.conversationPage(w, r)
	if !ok {
		return
	}
	u.sendText(w, r, d, r.PostForm.Get("text"))
}

// sendText sends text as a free-form message of the open chat.
func (u *UI) sendText(w http.ResponseWriter, r *http.Request, d inboxData, text string) {
	_, err := u.Outbox.Send(r.Context(), messaging.SendRequest{Type: "text", SenderID: d.Current.SenderID, To: d.Current.ContactPhone,
		Text: text, Source: agentSource(r.Context())})
	if err != nil {
		d.Draft = text
		u.refused(w, r, d, err)
		return
	}
	http.Redirect(w, r, chatURL(d.Current.ID), http.StatusSeeOther)
}

// sendTemplate previews (op=preview) or sends the chosen template with
// the variables typed into its fields.
func (u *UI) sendTemplate(w http.ResponseWriter, r *http.Request) {
	if !parseComposeForm(w, r) {
		return
	}
	d, ok := u.conversationPage(w, r)
	if !ok {
		return
	}
	tpl, found := d.Compose.chosen()
	if r.PostForm.Get("op") == "preview" || !found {
		status := http.StatusOK
		if !found {
			status = http.StatusUnprocessableEntity
			d.Problem, d.Compose.Code, d.Compose.Field = t(r.Context(), "compose.pick"), "template_not_found", "template"
			d.Compose.Fix = t(r.Context(), "compose.fix.template_not_found")
		}
		render(w, r, status, inboxView(d))
		return
	}
	vars := messaging.Variables{}
	for _, f := range tpl.Fields {
		vars[f] = r.PostForm.Get(varField(f))
	}
	_, err := u.Outbox.Send(r.Context(), messaging.SendRequest{Type: "template", SenderID: d.Current.SenderID, To: d.Current.ContactPhone,
		Template: &messaging.TemplateRef{Name: tpl.Name, Language: tpl.Language}, Variables: vars, Source: agentSource(r.Context())})
	if err != nil {
		u.refused(w, r, d, err)
		return
	}
	http.Redirect(w, r, chatURL(d.Current.ID), http.StatusSeeOther)
}

// retry sends a failed message's content again as a new message; the
// failed one stays as it was, with its error.
func (u *UI) retry(w http.ResponseWriter, r *http.Request) {
	if !parseComposeForm(w, r) {
		return
	}
	d, ok := u.conversationPage(w, r)
	if !ok {
		return
	}
	msgID, err := strconv.ParseInt(r.PathValue("msg"), 10, 64)
	var m messaging.Message
	if err == nil {
		m, err = u.Messaging.Message(r.Context(), msgID)
	}
	if err != nil || m.ConversationID != d.Current.ID {
		http.Error(w, "message not found", http.StatusNotFound)
		return
	}
	req, ok := messaging.ResendRequest(m)
	if !ok || m.Status != messaging.StatusFailed {
		http.Error(w, "only a failed message we sent can be retried", http.StatusConflict)
		return
	}
	req.SenderID, req.To, req.Source = d.Current.SenderID, d.Current.ContactPhone, agentSource(r.Context())
	// A file we uploaded goes with the new message, so the chat shows it.
	err = u.DB.InTx(r.Context(), func(tx store.Tx) error {
		sent, err := u.Outbox.SendTx(r.Context(), tx, req)
		if err != nil || m.Media == nil || u.Media == nil {
			return err
		}
		return u.Media.CopyKeptTx(r.Context(), tx, m.ID, sent.ID)
	})
	if err != nil {
		u.refused(w, r, d, err)
		return
	}
	http.Redirect(w, r, chatURL(d.Current.ID), http.StatusSeeOther)
}

// refused shows a named error in the reply box with its fix (422), or
// fails for an unexpected one.
func (u *UI) refused(w http.ResponseWriter, r *http.Request, d inboxData, err error) {
	code, msg, field, ok := namedProblem(err)
	if !ok {
		u.fail(w, r, err)
		return
	}
	d.Problem, d.Compose.Code, d.Compose.Field = msg, code, field
	d.Problem, d.Compose.Fix = withFix(r.Context(), code, msg)
	render(w, r, http.StatusUnprocessableEntity, inboxView(d))
}

// namedProblem returns the code, message and field of a named error
// (send errors, validation, AI errors); ok is false for an unexpected one.
func namedProblem(err error) (code, msg, field string, ok bool) {
	var se *messaging.SendError
	if errors.As(err, &se) {
		return se.Code, se.Message, "", true
	}
	if ae, named := apperr.As(err); named && ae.Kind != apperr.KindInternal {
		return ae.Code, ae.Message, ae.Field, true
	}
	return "", "", "", false
}

// withFix splits a named error into its message and its fix, dropping
// the fix from the message when the message already ends with it (the AI
// errors do).
func withFix(ctx context.Context, code, msg string) (string, string) {
	fix := fixFor(ctx, code)
	if fix != "" {
		if ai := ai.Troubleshooting(code); ai != "" {
			msg = strings.TrimSuffix(msg, "; "+ai)
		}
	}
	return msg, fix
}

// fixFor is the translated fix of a named error, "" when the message
// already says all there is.
func fixFor(ctx context.Context, code string) string {
	if s := t(ctx, "compose.fix."+code); s != "compose.fix."+code {
		return s
	}
	if s := ai.Troubleshooting(code); s != "" {
		return s
	}
	return ""
}

func chatURL(id int64) string { return "/inbox/" + strconv.FormatInt(id, 10) }

// fieldClass marks the input a problem is about.
func fieldClass(d composeData, field string) string {
	if d.Field != "" && strings.EqualFold(d.Field, field) {
		return "invalid"
	}
	return ""
}
