package ui

// The texts of the auto lead settings panel and the lead status names
// (see messages.go). Validation errors show "settings.err.<code>.<field>"
// when the catalogue has it.
var (
	enLeadSettings = map[string]string{
		"settings.leads.title":                        "Auto lead",
		"settings.leads.desc":                         "Turn WhatsApp messages into leads: a customer with no open lead becomes one, with the status, source and agent below.",
		"settings.leads.enabled":                      "Create leads from WhatsApp messages automatically",
		"settings.leads.enabled.hint":                 "Off: leads are only created by hand or by flows.",
		"settings.leads.status":                       "Lead status",
		"settings.leads.status.hint":                  "The status every new lead starts in.",
		"settings.leads.source":                       "Lead source",
		"settings.leads.source.hint":                  "Where these leads come from, for the leads by source report.",
		"settings.leads.agent":                        "Assigned agent",
		"settings.leads.agent.hint":                   "The agent is told at once in the web app. Round-robin takes active agents in turn, skipping those marked away.",
		"settings.leads.agent.none":                   "Unassigned",
		"settings.leads.agent.round_robin":            "Round-robin among active agents",
		"settings.leads.choose":                       "Choose…",
		"settings.err.status_required.default_status": "Choose the status new leads start in.",
		"settings.err.closed_new_lead.default_status": "A new lead cannot start closed.",
		"settings.err.source_required.source_id":      "Choose the source of new leads.",
		"settings.err.invalid_source.source_id":       "Choose a source from the list.",
		"settings.err.invalid_agent.agent_id":         "Choose an active agent.",
		"settings.err.agent_required.agent_id":        "Choose an active agent.",
		"lead.status.new":                             "New",
		"lead.status.in_progress":                     "In progress",
		"lead.status.contacted":                       "Contacted",
		"lead.status.qualified":                       "Qualified",
		"lead.status.closed":                          "Closed",
	}
	ptBRLeadSettings = map[string]string{
		"settings.leads.title":                        "Lead automático",
		"settings.leads.desc":                         "Transforme mensagens do WhatsApp em leads: um cliente sem lead aberto vira um, com o status, a origem e o agente abaixo.",
		"settings.leads.enabled":                      "Criar leads a partir das mensagens do WhatsApp automaticamente",
		"settings.leads.enabled.hint":                 "Desligado: leads só são criados à mão ou por fluxos.",
		"settings.leads.status":                       "Status do lead",
		"settings.leads.status.hint":                  "O status em que todo lead novo começa.",
		"settings.leads.source":                       "Origem do lead",
		"settings.leads.source.hint":                  "De onde vêm esses leads, para o relatório de leads por origem.",
		"settings.leads.agent":                        "Agente atribuído",
		"settings.leads.agent.hint":                   "O agente é avisado na hora no aplicativo. O rodízio passa pelos agentes ativos, pulando os marcados como ausentes.",
		"settings.leads.agent.none":                   "Não atribuído",
		"settings.leads.agent.round_robin":            "Rodízio entre os agentes ativos",
		"settings.leads.choose":                       "Escolha…",
		"settings.err.status_required.default_status": "Escolha o status em que os leads novos começam.",
		"settings.err.closed_new_lead.default_status": "Um lead novo não pode começar fechado.",
		"settings.err.source_required.source_id":      "Escolha a origem dos leads novos.",
		"settings.err.invalid_source.source_id":       "Escolha uma origem da lista.",
		"settings.err.invalid_agent.agent_id":         "Escolha um agente ativo.",
		"settings.err.agent_required.agent_id":        "Escolha um agente ativo.",
		"lead.status.new":                             "Novo",
		"lead.status.in_progress":                     "Em andamento",
		"lead.status.contacted":                       "Contatado",
		"lead.status.qualified":                       "Qualificado",
		"lead.status.closed":                          "Fechado",
	}
)
