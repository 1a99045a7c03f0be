package ui

// The texts of the users part of the web app (see messages.go).
var (
	enUsers   = map[string]string{}
	ptBRUsers = map[string]string{}
)
