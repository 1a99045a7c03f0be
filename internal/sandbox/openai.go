package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// The sandbox model: an OpenAI-compatible chat completions endpoint at
// /sandbox/openai/v1 that answers deterministically from the prompt, so
// the assistant, the agent's helpers and their tests work with no API key.
// Every answer starts with "[sandbox]" so nobody mistakes it for a model.
//
// It can play two failures for trying the troubleshooting paths by hand:
// the API key "sandbox-invalid-key" gets OpenAI's 401 invalid_api_key, and
// a model whose name starts with "unknown" gets its 404 model_not_found.

const openAIPrefix = "/sandbox/openai/v1/"

// SandboxModel is the model name the sandbox reports when a request names
// none.
const SandboxModel = "sandbox"

// assistantRoutes mounts the sandbox model and the record of typing
// indicators.
func (s *Sandbox) assistantRoutes(mux *http.ServeMux) {
	s.typingRoutes(mux)
	mux.HandleFunc("POST "+openAIPrefix+"chat/completions", s.handleChatCompletion)
	mux.HandleFunc("GET "+openAIPrefix+"models", s.handleModels)
}

type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

func (s *Sandbox) handleChatCompletion(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(key) == "" {
		openAIError(w, http.StatusUnauthorized, "invalid_request_error", "missing_api_key",
			"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.")
		return
	}
	if key == "sandbox-invalid-key" {
		openAIError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: sandbox-invalid-key.")
		return
	}
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&req); err != nil {
		openAIError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+err.Error())
		return
	}
	if strings.HasPrefix(req.Model, "unknown") {
		openAIError(w, http.StatusNotFound, "invalid_request_error", "model_not_found",
			fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", req.Model))
		return
	}
	if len(req.Messages) == 0 {
		openAIError(w, http.StatusBadRequest, "invalid_request_error", "", "[] is too short - 'messages'")
		return
	}
	model := req.Model
	if model == "" {
		model = SandboxModel
	}
	answer := sandboxAnswer(req)
	prompt := 0
	for _, m := range req.Messages {
		prompt += utf8.RuneCountInString(m.Content)/4 + 4
	}
	completion := utf8.RuneCountInString(answer)/4 + 1
	now := s.now()
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      fmt.Sprintf("chatcmpl-sandbox-%d", now.UnixNano()),
		"object":  "chat.completion",
		"created": now.Unix(),
		"model":   model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]string{"role": "assistant", "content": answer},
			"finish_reason": "stop",
		}},
		"usage": map[string]int{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
	})
}

// sandboxAnswer quotes what the customer (or agent) wrote since the last
// answer, the instructions it was given and how much history came with
// it: enough to see that the right prompt reached the model.
func sandboxAnswer(req chatRequest) string {
	var system string
	var latest []string
	earlier := 0
	for _, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			system = m.Content
		case "user":
			latest = append(latest, m.Content)
		default:
			earlier += len(latest) + 1
			latest = nil
		}
	}
	quoted := make([]string, len(latest))
	for i, t := range latest {
		quoted[i] = `"` + clip(t, 200) + `"`
	}
	var b strings.Builder
	b.WriteString("[sandbox] You wrote: " + strings.Join(quoted, " / ") + ".")
	if system != "" {
		b.WriteString(` Instructions: "` + clip(system, 80) + `".`)
	}
	fmt.Fprintf(&b, " Earlier messages: %d.", earlier)
	return b.String()
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (s *Sandbox) handleModels(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]string{
		{"id": SandboxModel, "object": "model", "owned_by": "zapflow-sandbox"}}})
}

func openAIError(w http.ResponseWriter, status int, typ, code, message string) {
	var c any
	if code != "" {
		c = code
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": message, "type": typ, "param": nil, "code": c}})
}
