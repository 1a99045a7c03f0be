package ui

// The texts of the sandbox part of the web app (see messages.go).
var (
	enSandbox   = map[string]string{}
	ptBRSandbox = map[string]string{}
)
