package messaging_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// F17: tapping an opt-out button opts the contact out as typing the keyword
// does, whether it is a template's quick reply (type "button") or an
// interactive reply button, by its text or its payload; a button or text
// that only mentions a keyword inside a sentence does not.
func TestOptOutByButton(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.svc.OnInbound(e.svc.OptOutHook())
		n := 0
		optsOut := func(m whatsapp.InboundMessage) bool {
			t.Helper()
			n++
			m.ID, m.From, m.ProfileName, m.Timestamp = "wamid.btn"+strconv.Itoa(n), "55119888800"+strconv.Itoa(10+n), "Ana", e.clock.Now()
			e.mustProcess(t, whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: e.sender.PhoneNumberID, Message: &m})
			var out bool
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT opted_out FROM contacts WHERE wa_id = ?`, m.From).Scan(&out))
			return out
		}
		button := func(text, payload string) whatsapp.InboundMessage {
			return whatsapp.InboundMessage{Type: "button", Button: &whatsapp.Button{Text: text, Payload: payload}}
		}
		reply := func(title, id string) whatsapp.InboundMessage {
			return whatsapp.InboundMessage{Type: "interactive", Interactive: &whatsapp.Interactive{Type: "button_reply",
				ButtonReply: &whatsapp.Reply{ID: id, Title: title}}}
		}
		typed := func(body string) whatsapp.InboundMessage {
			return whatsapp.InboundMessage{Type: "text", Text: &whatsapp.Text{Body: body}}
		}

		require.True(t, optsOut(button("Parar promoções", "Parar promoções")), "Meta's marketing opt-out button, by the default PARAR")
		require.True(t, optsOut(button("Quero sair", "")), "a keyword as a whole word of the text")
		require.True(t, optsOut(button("Não, obrigado", "STOP_PROMOTIONS")), "by the payload")
		require.True(t, optsOut(reply("Stop promotions", "btn_1")), "an interactive reply by its title")
		require.True(t, optsOut(reply("Não quero", "sair")), "an interactive reply by its id")
		require.True(t, optsOut(typed("parar")), "typed, the whole message")

		require.False(t, optsOut(button("Ver ofertas", "OFFERS")))
		require.False(t, optsOut(button("Saira", "")), "whole words only")
		require.False(t, optsOut(reply("Confirmar", "confirm")))
		require.False(t, optsOut(typed("parar promoções")), "typed text must be exactly a keyword")

		// A keyword set by the team applies to buttons too.
		_, err := e.svc.UpdateOptOutSettings(ctx, messaging.OptOutSettings{Keywords: []string{"Cancelar inscrição"}})
		require.NoError(t, err)
		require.True(t, optsOut(button("Cancelar inscrição", "")))
		require.False(t, optsOut(button("Parar promoções", "")), "PARAR is no longer a keyword")
	})
}
