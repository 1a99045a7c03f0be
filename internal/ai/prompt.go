package ai

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// systemMessage renders an assistant's system prompt with its context
// variables: each {{name}} is replaced by its value, and every variable is
// also listed after the prompt, so a variable the prompt does not mention
// still reaches the model.
func systemMessage(prompt string, vars map[string]string) string {
	keys := slices.Sorted(maps.Keys(vars))
	out := prompt
	for _, k := range keys {
		out = strings.ReplaceAll(out, "{{"+k+"}}", vars[k])
		out = strings.ReplaceAll(out, "{{ "+k+" }}", vars[k])
	}
	if len(keys) == 0 {
		return out
	}
	var b strings.Builder
	b.WriteString(out)
	if out != "" {
		b.WriteString("\n\n")
	}
	b.WriteString("Context variables:")
	for _, k := range keys {
		b.WriteString("\n- " + k + ": " + vars[k])
	}
	return b.String()
}

// mergeVars layers the call's variables over the assistant's defaults.
func mergeVars(base, call map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, call)
	return out
}

// estimateTokens approximates a message's tokens (about four characters
// a token in the languages our customers write, plus the message frame)
// without shipping a tokenizer; it only bounds the history sent.
func estimateTokens(s string) int { return utf8.RuneCountInString(s)/4 + 4 }

// fitHistory keeps the newest messages of h (oldest first) that fit both
// limit and the token budget; a message that does not fit ends the
// history there, so what is kept is always a contiguous recent tail.
func fitHistory(h []Message, limit, budget int) []Message {
	if limit <= 0 || budget <= 0 {
		return nil
	}
	if len(h) > limit {
		h = h[len(h)-limit:]
	}
	used, start := 0, len(h)
	for i := len(h) - 1; i >= 0; i-- {
		t := estimateTokens(h[i].Content)
		if used+t > budget {
			break
		}
		used += t
		start = i
	}
	return h[start:]
}

// chat assembles what the model receives: system prompt, history, the new
// user message.
func chat(system string, history []Message, user string) []Message {
	msgs := make([]Message, 0, len(history)+2)
	if system != "" {
		msgs = append(msgs, Message{Role: RoleSystem, Content: system})
	}
	msgs = append(msgs, history...)
	return append(msgs, Message{Role: RoleUser, Content: user})
}
