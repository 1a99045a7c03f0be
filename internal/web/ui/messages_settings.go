package ui

// The texts of the settings part of the web app (see messages.go).
var (
	enSettings   = map[string]string{}
	ptBRSettings = map[string]string{}
)
