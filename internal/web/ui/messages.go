package ui

// The web app's message catalogue: one key per text, English and
// Brazilian Portuguese. Each part of the app keeps its texts in its own
// file (messages_<part>.go) and its maps are listed here.
var (
	enParts = []map[string]string{enCore, enLive, enUsers, enAssign, enSettings, enCompose, enSandbox, enNotify, enAudit, enDashboard,
		enAccounts, enLeadSettings, enContacts, enFlows, enCleanup, enForward, enPrivacy, enLeadPages, enMediaIn,
		enAttach, enCampaigns}
	ptBRParts = []map[string]string{ptBRCore, ptBRLive, ptBRUsers, ptBRAssign, ptBRSettings, ptBRCompose, ptBRSandbox, ptBRNotify, ptBRAudit,
		ptBRDashboard, ptBRAccounts, ptBRLeadSettings, ptBRContacts, ptBRFlows, ptBRCleanup, ptBRForward, ptBRPrivacy, ptBRLeadPages, ptBRMediaIn,
		ptBRAttach, ptBRCampaigns}
)

// enCore and ptBRCore are the login, layout and inbox texts.
var enCore = map[string]string{
	"app.name":            "zapflow",
	"login.title":         "Log in",
	"login.email":         "Email",
	"login.password":      "Password",
	"login.submit":        "Log in",
	"login.wrong":         "Wrong email or password.",
	"login.limited":       "Too many failed logins. Wait 15 minutes and try again.",
	"nav.inbox":           "Inbox",
	"nav.logout":          "Log out",
	"inbox.title":         "Inbox",
	"inbox.empty":         "No conversations yet.",
	"inbox.empty.sandbox": "The sandbox is on: open the sandbox page (or POST to /sandbox/api/customers/messages) and write as a customer; the conversation appears here at once.",
	"inbox.pick":          "Pick a conversation.",
	"inbox.window.open":   "Window open",
	"inbox.window.closed": "Window closed",
	"chat.reply":          "Type a message",
	"chat.send":           "Send",
	"chat.closed":         "The 24-hour window is closed: only a template message can be sent now.",
	"chat.left":           "left to reply",
	"status.queued":       "queued",
	"status.sent":         "sent",
	"status.delivered":    "delivered",
	"status.read":         "read",
	"status.failed":       "failed",
	"status.received":     "received",
	"chat.older":          "Older messages",
	"nav.settings":        "Settings",
	"nav.users":           "Users",
	"nav.sandbox":         "Sandbox",
}

var ptBRCore = map[string]string{
	"login.title":         "Entrar",
	"login.email":         "E-mail",
	"login.password":      "Senha",
	"login.submit":        "Entrar",
	"login.wrong":         "E-mail ou senha incorretos.",
	"login.limited":       "Muitas tentativas sem sucesso. Aguarde 15 minutos e tente de novo.",
	"nav.inbox":           "Caixa de entrada",
	"nav.logout":          "Sair",
	"inbox.title":         "Caixa de entrada",
	"inbox.empty":         "Nenhuma conversa ainda.",
	"inbox.empty.sandbox": "O sandbox está ligado: abra a página do sandbox (ou faça POST em /sandbox/api/customers/messages) e escreva como um cliente; a conversa aparece aqui na hora.",
	"inbox.pick":          "Escolha uma conversa.",
	"inbox.window.open":   "Janela aberta",
	"inbox.window.closed": "Janela fechada",
	"chat.reply":          "Digite uma mensagem",
	"chat.send":           "Enviar",
	"chat.closed":         "A janela de 24 horas está fechada: agora só é possível enviar um modelo de mensagem.",
	"chat.left":           "restantes para responder",
	"status.queued":       "na fila",
	"status.sent":         "enviada",
	"status.delivered":    "entregue",
	"status.read":         "lida",
	"status.failed":       "falhou",
	"status.received":     "recebida",
	"chat.older":          "Mensagens anteriores",
	"nav.settings":        "Configurações",
	"nav.users":           "Usuários",
	"nav.sandbox":         "Sandbox",
}
