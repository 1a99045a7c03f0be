package ai

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
)

// The agent's AI helpers (F23): each turns the agent's draft into a
// suggestion the agent previews; nothing is ever sent by itself.
const (
	ActionTranslate    = "translate"
	ActionTone         = "tone"
	ActionFixGrammar   = "fix_grammar"
	ActionSimplify     = "simplify"
	ActionCustomPrompt = "custom_prompt"
)

// Tones offered by the tone helper.
var Tones = []string{"professional", "friendly", "empathetic", "direct"}

// TransformRequest asks a helper to rework Text.
type TransformRequest struct {
	Action         string `json:"action"`
	Text           string `json:"text"`
	TargetLanguage string `json:"target_language,omitempty"` // translate
	Tone           string `json:"tone,omitempty"`            // tone
	PromptID       int64  `json:"prompt_id,omitempty"`       // custom_prompt
}

// TransformResult is the suggested text.
type TransformResult struct {
	Text   string `json:"text"`
	Action string `json:"action"`
}

// answerOnly ends every helper instruction: the agent pastes the answer
// into the reply box, so anything around the text would have to be
// deleted by hand.
const answerOnly = " Answer with the resulting message only: no quotes, no explanations, no preamble."

// Transform runs one helper on the agent's text.
func (s *Service) Transform(ctx context.Context, r TransformRequest) (TransformResult, error) {
	text := strings.TrimSpace(r.Text)
	if text == "" {
		return TransformResult{}, apperr.Invalid("text", "invalid_request", "text is required")
	}
	if utf8.RuneCountInString(text) > 4096 {
		return TransformResult{}, apperr.Invalid("text", "invalid_request", "text must be at most 4096 characters")
	}
	var instruction string
	switch r.Action {
	case ActionTranslate:
		lang := strings.TrimSpace(r.TargetLanguage)
		if lang == "" || utf8.RuneCountInString(lang) > 50 {
			return TransformResult{}, apperr.Invalid("target_language", "invalid_request", "target_language is required to translate (e.g. \"Spanish\", \"pt-BR\")")
		}
		instruction = "Translate the user's message into " + lang + ". Keep its meaning, tone, names, numbers and formatting."
	case ActionTone:
		tone := strings.ToLower(strings.TrimSpace(r.Tone))
		if !slices.Contains(Tones, tone) {
			return TransformResult{}, apperr.Invalid("tone", "invalid_request", "tone must be one of "+strings.Join(Tones, ", "))
		}
		instruction = "Rewrite the user's message so it sounds " + tone + ", for a WhatsApp conversation with a customer. Keep its language and every fact."
	case ActionFixGrammar:
		instruction = "Correct the spelling, grammar and punctuation of the user's message. Keep its language, meaning and tone; change nothing else."
	case ActionSimplify:
		instruction = "Rewrite the user's message in simple, clear words a customer understands at once. Keep its language and every fact; make it shorter if you can."
	case ActionCustomPrompt:
		if r.PromptID <= 0 {
			return TransformResult{}, apperr.Invalid("prompt_id", "invalid_request", "prompt_id is required for custom_prompt (see GET /api/v1/ai/prompts)")
		}
		p, err := s.Prompt(ctx, r.PromptID)
		if err != nil {
			if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
				return TransformResult{}, apperr.Invalid("prompt_id", "prompt_not_found", "no saved prompt with this id")
			}
			return TransformResult{}, err
		}
		instruction = p.Prompt + " Apply this to the user's message and keep its language."
	default:
		return TransformResult{}, apperr.Invalid("action", "invalid_request",
			"action must be one of translate, tone, fix_grammar, simplify, custom_prompt")
	}
	out, err := s.complete(ctx, call{purpose: PurposeTransform, messages: []Message{
		{Role: RoleSystem, Content: instruction + answerOnly},
		{Role: RoleUser, Content: text},
	}})
	if err != nil {
		return TransformResult{}, err
	}
	return TransformResult{Text: out.Text, Action: r.Action}, nil
}
