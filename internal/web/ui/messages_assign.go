package ui

// The texts of the assign part of the web app (see messages.go).
var (
	enAssign   = map[string]string{}
	ptBRAssign = map[string]string{}
)
