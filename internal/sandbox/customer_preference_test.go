package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// promoTo is the marketing template promo_offer to customer to.
func promoTo(to string) map[string]any {
	text := func(s string) map[string]any { return map[string]any{"type": "text", "text": s} }
	return map[string]any{"messaging_product": "whatsapp", "to": to, "type": "template",
		"template": map[string]any{"name": "promo_offer", "language": map[string]any{"code": "pt_BR"}, "components": []map[string]any{
			{"type": "header", "parameters": []map[string]any{text("Ana")}},
			{"type": "body", "parameters": []map[string]any{text("VERAO20"), text("20%"), text("31/03")}},
			{"type": "button", "sub_type": "url", "index": "0", "parameters": []map[string]any{text("verao")}},
		}}}
}

// TestCustomerStopsMarketing: a customer who stops marketing messages
// makes the sandbox post Meta's signed user_preferences webhook, and a
// marketing template to them is accepted and then fails with 131050 by
// status, until they resume; other templates are not affected.
func TestCustomerStopsMarketing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resp, out := e.do(t, http.MethodPost, "/sandbox/api/customers/preferences", "", map[string]any{"from": ana, "name": "Ana", "to": loja, "marketing": "stop"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	e.waitIdle(t)
	reqs := e.in.requests()
	require.Len(t, reqs, 1)
	verifySig(t, reqs[0])
	p := decodePayload(t, reqs[0].body)
	require.Len(t, p.Entry, 1)
	require.NotNil(t, p.Entry[0].Time)
	ch := p.Entry[0].Changes[0]
	require.Equal(t, "user_preferences", ch.Field)
	var v struct {
		Metadata struct {
			PhoneNumberID string `json:"phone_number_id"`
		} `json:"metadata"`
		UserPreferences []struct {
			WaID      string `json:"wa_id"`
			Category  string `json:"category"`
			Value     string `json:"value"`
			Timestamp int64  `json:"timestamp"`
		} `json:"user_preferences"`
	}
	require.NoError(t, json.Unmarshal(ch.Value, &v))
	require.Equal(t, loja, v.Metadata.PhoneNumberID)
	require.Len(t, v.UserPreferences, 1)
	require.Equal(t, anaWaID, v.UserPreferences[0].WaID)
	require.Equal(t, "marketing_messages", v.UserPreferences[0].Category)
	require.Equal(t, "stop", v.UserPreferences[0].Value)
	require.Equal(t, e.clock.Now().Unix(), v.UserPreferences[0].Timestamp)

	resp, out = e.send(t, loja, promoTo(ana))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = e.send(t, loja, apptMsg(ana))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	e.waitIdle(t)
	var failed []int
	for _, st := range e.in.statuses(t) {
		if st.Status == "failed" {
			failed = append(failed, st.Errors[0].Code)
		}
	}
	require.Equal(t, []int{131050}, failed, "the marketing template only")

	resp, out = e.do(t, http.MethodPost, "/sandbox/api/customers/preferences", "", map[string]any{"from": ana, "to": loja, "marketing": "resume"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = e.send(t, loja, promoTo(ana))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	e.waitIdle(t)
	n := 0
	for _, st := range e.in.statuses(t) {
		if st.Status == "failed" {
			n++
		}
	}
	require.Equal(t, 1, n, "resumed: delivered")

	resp, _ = e.do(t, http.MethodPost, "/sandbox/api/customers/preferences", "", map[string]any{"from": ana, "to": loja, "marketing": "later"})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = e.do(t, http.MethodPost, "/sandbox/api/customers/preferences", "", map[string]any{"from": ana, "to": "999", "marketing": "stop"})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}
