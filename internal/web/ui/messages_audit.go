package ui

// The texts of the audit log page (see messages.go).
var (
	enAudit = map[string]string{
		"nav.audit":     "Audit log",
		"audit.title":   "Audit log",
		"audit.desc":    "Who changed which setting, flow, user or API key, and when. Newest first.",
		"audit.section": "Section",
		"audit.user":    "User",
		"audit.all":     "All",
		"audit.filter":  "Filter",
		"audit.none":    "No changes recorded yet.",
		"audit.when":    "When",
		"audit.who":     "Who",
		"audit.what":    "What changed",
		"audit.older":   "Older changes",
	}
	ptBRAudit = map[string]string{
		"nav.audit":     "Auditoria",
		"audit.title":   "Registro de auditoria",
		"audit.desc":    "Quem alterou qual configuração, fluxo, usuário ou chave de API, e quando. Mais recentes primeiro.",
		"audit.section": "Seção",
		"audit.user":    "Usuário",
		"audit.all":     "Todos",
		"audit.filter":  "Filtrar",
		"audit.none":    "Nenhuma alteração registrada ainda.",
		"audit.when":    "Quando",
		"audit.who":     "Quem",
		"audit.what":    "O que mudou",
		"audit.older":   "Alterações anteriores",
	}
)
