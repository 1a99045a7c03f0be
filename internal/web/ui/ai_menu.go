package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/ai"
)

// The ✨ menu of the reply box (F23): the agent's draft goes through the
// same helpers as POST /api/v1/ai/transform and the suggestion comes back
// into the reply box to be edited. Nothing is sent here: the agent sends
// with the reply box's own button. With JS the menu fetches the
// suggestion as JSON; without it the page re-renders with the suggestion
// in the textarea.

// aiLanguages are the translation targets the menu offers (English names:
// the model reads them).
var aiLanguages = []string{"Portuguese", "English", "Spanish", "French", "German", "Italian"}

// aiChoices are the menu's entries: value for the form, text key.
func aiChoices() []aiChoice {
	var out []aiChoice
	for _, l := range aiLanguages {
		out = append(out, aiChoice{Value: "translate:" + l, Key: "compose.ai.translate." + strings.ToLower(l), Group: "translate"})
	}
	for _, tone := range ai.Tones {
		out = append(out, aiChoice{Value: "tone:" + tone, Key: "compose.ai.tone." + tone, Group: "tone"})
	}
	out = append(out, aiChoice{Value: ai.ActionFixGrammar, Key: "compose.ai.fix_grammar", Group: "edit"},
		aiChoice{Value: ai.ActionSimplify, Key: "compose.ai.simplify", Group: "edit"})
	return out
}

type aiChoice struct{ Value, Key, Group string }

// transformRequest reads the menu's choice ("translate:Spanish",
// "tone:friendly", "fix_grammar", "simplify", "prompt:<id>").
func transformRequest(choice, text string) ai.TransformRequest {
	req := ai.TransformRequest{Text: text}
	kind, arg, _ := strings.Cut(choice, ":")
	switch kind {
	case "translate":
		req.Action, req.TargetLanguage = ai.ActionTranslate, arg
	case "tone":
		req.Action, req.Tone = ai.ActionTone, arg
	case "prompt":
		req.Action = ai.ActionCustomPrompt
		req.PromptID, _ = strconv.ParseInt(arg, 10, 64)
	default:
		req.Action = kind
	}
	return req
}

// aiSuggestion is the JSON answer to the menu's script.
type aiSuggestion struct {
	Text  string     `json:"text,omitempty"`
	Error *aiFailure `json:"error,omitempty"`
}

type aiFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// aiSuggest runs the chosen helper on the draft and answers with the
// suggestion, as JSON for the script or as the page with the suggestion
// in the reply box.
func (u *UI) aiSuggest(w http.ResponseWriter, r *http.Request) {
	if u.AI == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if !parseComposeForm(w, r) {
		return
	}
	d, ok := u.conversationPage(w, r)
	if !ok {
		return
	}
	wantsJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	draft := r.PostForm.Get("text")
	d.Draft = draft
	res, err := u.AI.Transform(r.Context(), transformRequest(r.PostForm.Get("ai"), draft))
	if err != nil {
		code, msg, field, named := namedProblem(err)
		if !named {
			u.Log.Error("AI helper failed", "err", err)
			code, msg = "ai_unavailable", t(r.Context(), "compose.ai.failed")
		}
		msg, fix := withFix(r.Context(), code, msg)
		if wantsJSON {
			writeComposeJSON(w, http.StatusUnprocessableEntity, aiSuggestion{Error: &aiFailure{Code: code, Message: msg, Fix: fix}})
			return
		}
		d.Problem, d.Compose.Code, d.Compose.Field, d.Compose.Fix = msg, code, field, fix
		render(w, r, http.StatusUnprocessableEntity, inboxView(d))
		return
	}
	if wantsJSON {
		writeComposeJSON(w, http.StatusOK, aiSuggestion{Text: res.Text})
		return
	}
	d.Draft = res.Text
	render(w, r, http.StatusOK, inboxView(d))
}

// writeComposeJSON answers the reply box's scripts.
func writeComposeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
