package sandbox

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func chatBody(model string, msgs ...[2]string) map[string]any {
	var list []map[string]string
	for _, m := range msgs {
		list = append(list, map[string]string{"role": m[0], "content": m[1]})
	}
	return map[string]any{"model": model, "messages": list}
}

func TestSandboxModelAnswersFromThePrompt(t *testing.T) {
	t.Parallel()
	e := newStoppedEnv(t, nil)
	const path = "/sandbox/openai/v1/chat/completions"
	body := chatBody("gpt-4o-mini",
		[2]string{"system", "You are Acme's helpful assistant."},
		[2]string{"user", "hello"}, [2]string{"assistant", "hi!"},
		[2]string{"user", "oi"}, [2]string{"user", "tudo bem?"})

	resp, out := e.do(t, http.MethodPost, path, "sandbox", body)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	choice := out["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	require.Equal(t, "assistant", choice["role"])
	require.Equal(t, `[sandbox] You wrote: "oi" / "tudo bem?". Instructions: "You are Acme's helpful assistant.". Earlier messages: 2.`, choice["content"])
	require.Equal(t, "gpt-4o-mini", out["model"])
	usage := out["usage"].(map[string]any)
	require.Greater(t, usage["total_tokens"].(float64), 0.0)

	// Deterministic: the same prompt gets the same answer.
	_, again := e.do(t, http.MethodPost, path, "sandbox", body)
	require.Equal(t, choice["content"], again["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"])
}

func TestSandboxModelFailures(t *testing.T) {
	t.Parallel()
	e := newStoppedEnv(t, nil)
	const path = "/sandbox/openai/v1/chat/completions"
	body := chatBody("gpt-4o-mini", [2]string{"user", "oi"})

	resp, out := e.do(t, http.MethodPost, path, "", body)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, "missing_api_key", out["error"].(map[string]any)["code"])

	resp, out = e.do(t, http.MethodPost, path, "sandbox-invalid-key", body)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, "invalid_api_key", out["error"].(map[string]any)["code"])

	resp, out = e.do(t, http.MethodPost, path, "sandbox", chatBody("unknown-model", [2]string{"user", "oi"}))
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "model_not_found", out["error"].(map[string]any)["code"])
}

func TestTypingIndicatorIsRecorded(t *testing.T) {
	t.Parallel()
	e := newStoppedEnv(t, nil)
	wamid, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)

	typing := func(id string) map[string]any {
		return map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": id,
			"typing_indicator": map[string]any{"type": "text"}}
	}
	resp, out := e.send(t, loja, typing(wamid))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, true, out["success"])
	got := e.sb.Typing()
	require.Len(t, got, 1)
	require.Equal(t, TypingIndicator{PhoneNumberID: loja, MessageID: wamid, WaID: anaWaID, Time: got[0].Time}, got[0])

	// A plain read receipt is no typing indicator.
	resp, _ = e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, e.sb.Typing(), 1)

	resp, _ = e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": wamid,
		"typing_indicator": map[string]any{"type": "audio"}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Len(t, e.sb.Typing(), 1)
}
