package ui

// The texts of the live part of the web app (see messages.go).
var (
	enLive   = map[string]string{}
	ptBRLive = map[string]string{}
)
