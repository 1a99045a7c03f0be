package ui

// The texts of the live part of the web app (see messages.go). The
// "sound is blocked" notice is built by live.js, which picks its English
// or Portuguese text from the page's lang.
var (
	enLive = map[string]string{
		"live.messages": "Messages",
	}
	ptBRLive = map[string]string{
		"live.messages": "Mensagens",
	}
)
