package ui

// The texts of the compose part of the web app (see messages.go).
var (
	enCompose   = map[string]string{}
	ptBRCompose = map[string]string{}
)
