package sandbox

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// listMsg is an interactive list message to `to`, written out as Meta's
// "Interactive list messages" guide shows it.
func listMsg(to string) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "interactive",
		"interactive": map[string]any{"type": "list", "body": map[string]any{"text": "Qual horário?"},
			"action": map[string]any{"button": "Ver horários", "sections": []any{
				map[string]any{"title": "Manhã", "rows": []any{
					map[string]any{"id": "9h", "title": "09:00", "description": "Dra. Beatriz"},
					map[string]any{"id": "10h", "title": "10:00"}}},
				map[string]any{"title": "Tarde", "rows": []any{
					map[string]any{"id": "15h", "title": "15:00", "description": "Dr. Carlos"}}}}}}}
}

// TestCustomerPicksAListRow shows a picked row arrives as Meta documents
// it: an interactive list_reply with the row's id, title and description
// and a context naming the list; the newest list is the default, an
// earlier one can be named; a row the list does not have, a message that
// is no list, and a customer who got no list are refused.
func TestCustomerPicksAListRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.sb.CustomerPicks(loja, ana, "Ana", Pick{RowID: "9h"})
	require.ErrorIs(t, err, ErrUnknownChoice)
	require.ErrorContains(t, err, "no list message")
	_, err = e.sb.CustomerWrites(loja, ana, "Ana", "quero marcar")
	require.NoError(t, err)
	for range 2 {
		resp, out := e.send(t, loja, listMsg(ana))
		require.Equal(t, http.StatusOK, resp.StatusCode, out)
	}
	resp, out := e.send(t, loja, textMsg(ana, "escolha um horário acima"))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	sent := e.sb.Sent()
	first, newest, text := sent[0].WAMID, sent[1].WAMID, sent[2].WAMID
	require.Equal(t, []Choice{
		{Kind: ChoiceRow, ID: "9h", Title: "09:00", Description: "Dra. Beatriz", Section: "Manhã"},
		{Kind: ChoiceRow, ID: "10h", Title: "10:00", Section: "Manhã"},
		{Kind: ChoiceRow, ID: "15h", Title: "15:00", Description: "Dr. Carlos", Section: "Tarde"}}, e.sb.Choices(sent[1]))
	require.Equal(t, "Ver horários", ListButton(sent[1]))
	require.Empty(t, ListButton(sent[2]))

	_, err = e.sb.CustomerPicks(loja, ana, "Ana", Pick{RowID: "15h"})
	require.NoError(t, err)
	_, err = e.sb.CustomerPicks(loja, ana, "Ana", Pick{RowID: "10h", MessageID: first})
	require.NoError(t, err)

	_, err = e.sb.CustomerPicks(loja, ana, "Ana", Pick{RowID: "16h"})
	require.ErrorIs(t, err, ErrUnknownChoice)
	require.EqualError(t, err, `sandbox: not offered to the customer: row "16h" is not in list message `+newest+` (its rows: "9h", "10h", "15h")`)
	_, err = e.sb.CustomerPicks(loja, ana, "Ana", Pick{RowID: "9h", MessageID: text})
	require.ErrorIs(t, err, ErrUnknownChoice)
	require.ErrorContains(t, err, "is not a list message")
	_, err = e.sb.CustomerPicks(loja, ana, "Ana", Pick{RowID: "9h", MessageID: "wamid.nope"})
	require.ErrorIs(t, err, ErrUnknownChoice)
	_, err = e.sb.CustomerPicks(loja, ana, "Ana", Pick{RowID: " "})
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = e.sb.CustomerPicks(loja, "+5511900001111", "Bia", Pick{RowID: "9h"})
	require.ErrorIs(t, err, ErrUnknownChoice, "the list went to Ana, not Bia")
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{ID: "9h"})
	require.ErrorIs(t, err, ErrUnknownChoice, "a row is picked, not tapped")
	e.waitIdle(t)

	msgs := richMessages(t, e.in)
	require.Len(t, msgs, 3, "only the text and the two picks reached the webhook")
	require.JSONEq(t, `"interactive"`, string(msgs[1]["type"]))
	require.JSONEq(t, `{"type":"list_reply","list_reply":{"id":"15h","title":"15:00","description":"Dr. Carlos"}}`, string(msgs[1]["interactive"]))
	require.JSONEq(t, `{"from":"551140000001","id":"`+newest+`"}`, string(msgs[1]["context"]))
	require.JSONEq(t, `{"type":"list_reply","list_reply":{"id":"10h","title":"10:00"}}`, string(msgs[2]["interactive"]))
	require.JSONEq(t, `{"from":"551140000001","id":"`+first+`"}`, string(msgs[2]["context"]))
	require.Equal(t, "15:00", e.sb.Received()[1].Text)
}

// TestControlAPIAnswersButtonsAndLists shows the control API plays a
// customer tapping a reply button, a template's quick reply and picking a
// list row, and refuses a row the list does not have with 400 and why.
func TestControlAPIAnswersButtonsAndLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	post := func(body map[string]any) (*http.Response, map[string]any) {
		body["from"], body["to"], body["name"] = ana, loja, "Ana"
		return e.do(t, http.MethodPost, "/sandbox/api/customers/messages", "", body)
	}
	resp, out := post(map[string]any{"text": "oi"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = e.send(t, loja, listMsg(ana))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = e.send(t, loja, tplMsg(ana, "call_followup", "pt_BR", "Ana", "Carlos"))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "interactive",
		"interactive": map[string]any{"type": "button", "body": map[string]any{"text": "Confirma?"}, "action": map[string]any{"buttons": []any{
			map[string]any{"type": "reply", "reply": map[string]any{"id": "yes", "title": "Sim"}}}}}})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)

	resp, out = post(map[string]any{"type": "list_reply", "id": "9h"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	require.NotEmpty(t, out["wamid"])
	resp, out = post(map[string]any{"type": "button", "title": "Tenho uma dúvida"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = post(map[string]any{"type": "button_reply", "id": "yes"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = post(map[string]any{"type": "list_reply", "id": "16h"})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, out["error"], `row "16h" is not in list message`)
	resp, out = post(map[string]any{"type": "button_reply", "id": "no"})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, out["error"], `reply button "no"`)
	e.waitIdle(t)

	msgs := richMessages(t, e.in)
	require.Len(t, msgs, 4)
	require.JSONEq(t, `{"type":"list_reply","list_reply":{"id":"9h","title":"09:00","description":"Dra. Beatriz"}}`, string(msgs[1]["interactive"]))
	require.JSONEq(t, `{"payload":"Tenho uma dúvida","text":"Tenho uma dúvida"}`, string(msgs[2]["button"]))
	require.JSONEq(t, `{"type":"button_reply","button_reply":{"id":"yes","title":"Sim"}}`, string(msgs[3]["interactive"]))
}
