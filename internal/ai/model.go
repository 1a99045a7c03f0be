package ai

import (
	"context"
	"time"
)

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message sent to the model.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Endpoint is where and as whom a model is called.
type Endpoint struct {
	BaseURL string // OpenAI-compatible, e.g. https://api.openai.com/v1
	APIKey  string
	Timeout time.Duration
}

// Request is one chat completion.
type Request struct {
	Model       string
	Messages    []Message
	Temperature float64
}

// Completion is the model's answer and what it cost.
type Completion struct {
	Text             string
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
}

// Model is the one seam to a chat completions endpoint. Implementations
// return the named errors of this package (ai_invalid_key, ai_timeout…),
// never a provider's raw error.
type Model interface {
	Complete(ctx context.Context, ep Endpoint, req Request) (Completion, error)
}
