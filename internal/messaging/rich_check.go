package messaging

// Checks of rich content for callers that build it ahead of a send (a
// flow's send_media and send_interactive steps, checked when the flow is
// saved): the same code, and so the same limits and field names, as the
// outbox applies when the message is sent.

// CheckMediaObject checks a media object of message type typ (one of
// MediaTypes, media.go): exactly one of id or link, caption and file name where
// WhatsApp shows them, within its limits. Error fields are the API's:
// "<typ>", "<typ>.link", "<typ>.caption", "<typ>.filename".
func CheckMediaObject(typ string, m *Media) error {
	_, err := mediaObject(typ, typ, m, true)
	return err
}

// CheckInteractive checks a reply-button or list message against the
// Cloud API's limits. Error fields are the API's, e.g.
// "interactive.action.buttons[1].reply.title".
func CheckInteractive(in *Interactive) error {
	_, _, err := interactiveObject(in)
	return err
}
