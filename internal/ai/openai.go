package ai

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/zapflow/zapflow/internal/netguard"
)

// OpenAI calls any OpenAI-compatible chat completions endpoint through
// github.com/sashabaranov/go-openai and turns its failures into our named
// errors. It holds no key: each call names its endpoint, so a settings
// change applies to the next call without rebuilding anything.
type OpenAI struct {
	// HTTP is shared by every call; per-call timeouts come from the
	// endpoint through the context. Nil means a private netguard client
	// (internal addresses refused).
	HTTP *http.Client
}

// Complete runs one chat completion.
func (o *OpenAI) Complete(ctx context.Context, ep Endpoint, req Request) (Completion, error) {
	hc := o.HTTP
	if hc == nil {
		hc = netguard.New(netguard.Options{}).Client(0)
	}
	cfg := openai.DefaultConfig(ep.APIKey)
	cfg.BaseURL = strings.TrimRight(ep.BaseURL, "/")
	cfg.HTTPClient = hc
	client := openai.NewClientWithConfig(cfg)
	if ep.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ep.Timeout)
		defer cancel()
	}
	msgs := make([]openai.ChatCompletionMessage, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	resp, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:       req.Model,
		Messages:    msgs,
		Temperature: wireTemperature(req.Temperature),
	})
	if err != nil {
		return Completion{}, classify(ctx, req.Model, ep, err)
	}
	if len(resp.Choices) == 0 {
		return Completion{}, newError(CodeUnavailable, "the answer had no choices", nil)
	}
	return Completion{
		Text:             strings.TrimSpace(resp.Choices[0].Message.Content),
		PromptTokens:     resp.Usage.PromptTokens,
		CompletionTokens: resp.Usage.CompletionTokens,
		TotalTokens:      resp.Usage.TotalTokens,
	}, nil
}

// wireTemperature works around go-openai's omitempty on temperature: a
// plain 0 would be left out and the provider would use its default (1).
func wireTemperature(t float64) float32 {
	if t <= 0 {
		return math.SmallestNonzeroFloat32
	}
	return float32(t)
}

// classify maps a go-openai error to a named error.
func classify(ctx context.Context, model string, ep Endpoint, err error) error {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	var netErr net.Error
	if d, ok := netguard.AsDenied(err); ok {
		return newError(CodeDestinationNotAllowed, d.Error(), err)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout()):
		return newError(CodeTimeout, fmt.Sprintf("no answer from %s within %s", model, ep.Timeout), err)
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &apiErr):
		return byStatus(apiErr.HTTPStatusCode, model, codeString(apiErr.Code), apiErr.Message, err)
	case errors.As(err, &reqErr):
		return byStatus(reqErr.HTTPStatusCode, model, "", string(reqErr.Body), err)
	}
	return newError(CodeUnavailable, shorten(err.Error()), err)
}

// byStatus maps a provider's HTTP answer. A 404 is an unknown model: the
// chat completions path exists on every compatible provider, so what is
// missing is the model (OpenAI also says code "model_not_found").
func byStatus(status int, model, code, message string, err error) error {
	said := ""
	if message = strings.TrimSpace(message); message != "" {
		said = " (provider said: " + shorten(message) + ")"
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden || code == "invalid_api_key":
		return newError(CodeInvalidKey, "status "+fmt.Sprint(status)+said, err)
	case status == http.StatusNotFound || code == "model_not_found":
		return newError(CodeUnknownModel, fmt.Sprintf("model %q%s", model, said), err)
	case status == http.StatusTooManyRequests:
		return newError(CodeRateLimited, "status 429"+said, err)
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return newError(CodeTimeout, fmt.Sprintf("status %d%s", status, said), err)
	}
	return newError(CodeUnavailable, fmt.Sprintf("status %d%s", status, said), err)
}

func codeString(c any) string {
	if s, ok := c.(string); ok {
		return s
	}
	return ""
}

// shorten keeps a provider's message readable in an error line.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 200 {
		return s
	}
	r := []rune(s)
	return string(r[:200]) + "…"
}
