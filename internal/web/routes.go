package web

import "github.com/zapflow/zapflow/internal/agent"

// auth is what a route requires: a level and, for authPerm, the
// permission (agent.Perm*) the caller's user must have.
type auth struct {
	level authLevel
	perm  string
}

type authLevel int

const (
	levelNone  authLevel = iota
	levelKey             // any user's valid API key
	levelAdmin           // an admin's API key
	levelPerm            // a key whose user has the permission (admins have all)
)

var (
	authNone  = auth{level: levelNone}
	authKey   = auth{level: levelKey}
	authAdmin = auth{level: levelAdmin} // an agent's key gets 403 forbidden
)

// authPerm requires the permission perm (agent.Perm*): admins and the
// agents an admin granted it pass, other keys get 403 forbidden.
func authPerm(perm string) auth { return auth{level: levelPerm, perm: perm} }

// Shorthands for the permission-checked routes.
var (
	authSettings = authPerm(agent.PermManageSettings)
	authUsers    = authPerm(agent.PermManageUsers)
)

// route is one API endpoint. The OpenAPI test compares this table with
// openapi.json, so neither can drift from the other.
type route struct {
	Method  string
	Pattern string
	Auth    auth
	Handler handlerFunc
}

func (s *server) routes() []route {
	return []route{
		{"GET", "/api/v1/accounts", authKey, s.listAccounts},
		{"POST", "/api/v1/accounts", authAdmin, s.createAccount},
		{"GET", "/api/v1/accounts/{id}", authKey, s.getAccount},
		{"PATCH", "/api/v1/accounts/{id}", authAdmin, s.updateAccount},
		{"DELETE", "/api/v1/accounts/{id}", authAdmin, s.deleteAccount},
		{"GET", "/api/v1/accounts/{id}/senders", authKey, s.listAccountSenders},
		{"POST", "/api/v1/accounts/{id}/senders", authAdmin, s.createSender},
		{"POST", "/api/v1/accounts/{id}/templates/sync", authAdmin, s.syncTemplates},

		{"GET", "/api/v1/senders", authKey, s.listSenders},
		{"GET", "/api/v1/senders/{id}", authKey, s.getSender},
		{"PATCH", "/api/v1/senders/{id}", authAdmin, s.updateSender},
		{"DELETE", "/api/v1/senders/{id}", authAdmin, s.deleteSender},
		{"POST", "/api/v1/senders/{id}/check", authAdmin, s.checkSender},
		{"POST", "/api/v1/senders/{id}/release-held", authAdmin, s.releaseHeldSender},

		{"GET", "/api/v1/templates", authKey, s.listTemplates},

		{"GET", "/api/v1/conversations", authKey, s.listConversations},
		{"GET", "/api/v1/conversations/{id}", authKey, s.getConversation},

		{"GET", "/api/v1/contacts", authKey, s.listContacts},
		{"POST", "/api/v1/contacts", authPerm(agent.PermManageLeads), s.createContact},
		{"POST", "/api/v1/contacts/import", authPerm(agent.PermManageLeads), s.importContacts},
		{"GET", "/api/v1/contacts/export", authKey, s.exportContacts},
		{"GET", "/api/v1/contacts/{id}", authKey, s.getContact},
		{"PATCH", "/api/v1/contacts/{id}", authPerm(agent.PermManageLeads), s.updateContact},
		{"GET", "/api/v1/contacts/{id}/opt-out-history", authKey, s.contactOptOutHistory},
		{"POST", "/api/v1/contacts/{id}/opt-out", authPerm(agent.PermManageLeads), s.optOut},
		{"POST", "/api/v1/contacts/{id}/opt-in", authPerm(agent.PermManageLeads), s.optIn},
		{"GET", "/api/v1/contacts/{id}/export", authAdmin, s.exportContact},
		{"POST", "/api/v1/contacts/{id}/erase", authAdmin, s.eraseContact},

		{"POST", "/api/v1/messages", authKey, s.sendMessage},
		{"GET", "/api/v1/messages/{id}", authKey, s.getMessage},
		{"GET", "/api/v1/messages/{id}/media", authKey, s.getMessageMedia},
		{"POST", "/api/v1/messages/{id}/read", authKey, s.markMessageRead},

		{"GET", "/api/v1/notifications", authKey, s.listNotifications},
		{"POST", "/api/v1/notifications/read-all", authKey, s.readAllNotifications},
		{"POST", "/api/v1/notifications/{id}/read", authKey, s.readNotification},
		{"POST", "/api/v1/notifications/{id}/dismiss", authKey, s.dismissNotification},

		{"GET", "/api/v1/audit", authAdmin, s.listAudit},
		{"GET", "/api/v1/dashboard", authPerm(agent.PermViewStatus), s.getDashboard},

		{"GET", "/api/v1/assistants", authKey, s.listAssistants},
		{"POST", "/api/v1/assistants", authAdmin, s.createAssistant},
		{"GET", "/api/v1/assistants/{id}", authKey, s.getAssistant},
		{"PATCH", "/api/v1/assistants/{id}", authAdmin, s.updateAssistant},
		{"DELETE", "/api/v1/assistants/{id}", authAdmin, s.deleteAssistant},
		{"POST", "/api/v1/assistants/{id}/replies", authKey, s.assistantReply},

		{"GET", "/api/v1/conversations/{id}/bot", authKey, s.getBotState},
		{"POST", "/api/v1/conversations/{id}/bot/pause", authKey, s.pauseBot},
		{"POST", "/api/v1/conversations/{id}/bot/resume", authKey, s.resumeBot},

		{"POST", "/api/v1/ai/transform", authKey, s.aiTransform},
		{"GET", "/api/v1/ai/calls", authAdmin, s.listAICalls},
		{"GET", "/api/v1/ai/prompts", authKey, s.listPrompts},
		{"POST", "/api/v1/ai/prompts", authAdmin, s.createPrompt},
		{"GET", "/api/v1/ai/prompts/{id}", authKey, s.getPrompt},
		{"PATCH", "/api/v1/ai/prompts/{id}", authAdmin, s.updatePrompt},
		{"DELETE", "/api/v1/ai/prompts/{id}", authAdmin, s.deletePrompt},

		{"GET", "/api/v1/settings/ai", authKey, s.getAISettings},
		{"PUT", "/api/v1/settings/ai", authSettings, s.putAISettings},
		{"GET", "/api/v1/settings/assistant", authKey, s.getAssistantSettings},
		{"PUT", "/api/v1/settings/assistant", authSettings, s.putAssistantSettings},
		{"GET", "/api/v1/settings/stop-bot", authKey, s.getStopBotSettings},
		{"PUT", "/api/v1/settings/stop-bot", authSettings, s.putStopBotSettings},
		{"GET", "/api/v1/settings/opt-out", authKey, s.getOptOutSettings},
		{"PUT", "/api/v1/settings/opt-out", authSettings, s.putOptOutSettings},
		{"GET", "/api/v1/settings/cleanup", authSettings, s.getCleanupSettings},
		{"PUT", "/api/v1/settings/cleanup", authSettings, s.putCleanupSettings},
		{"POST", "/api/v1/cleanup/run", authSettings, s.runCleanup},
		{"GET", "/api/v1/cleanup/runs", authSettings, s.listCleanupRuns},
		{"GET", "/api/v1/settings/forwarding", authSettings, s.getForwardSettings},
		{"PUT", "/api/v1/settings/forwarding", authSettings, s.putForwardSettings},
		{"POST", "/api/v1/settings/forwarding/rotate-secret", authSettings, s.rotateForwardSecret},
		{"GET", "/api/v1/campaigns", authSettings, s.listCampaigns},
		{"POST", "/api/v1/campaigns", authSettings, s.createCampaign},
		{"GET", "/api/v1/campaigns/{id}", authSettings, s.getCampaign},
		{"PUT", "/api/v1/campaigns/{id}", authSettings, s.updateCampaign},
		{"DELETE", "/api/v1/campaigns/{id}", authSettings, s.deleteCampaign},
		{"PUT", "/api/v1/campaigns/{id}/audience/csv", authSettings, s.uploadCampaignCSV},
		{"POST", "/api/v1/campaigns/{id}/audience/preview", authSettings, s.previewCampaign},
		{"GET", "/api/v1/campaigns/{id}/audience/skipped.csv", authSettings, s.campaignSkippedCSV},
		{"POST", "/api/v1/campaigns/{id}/test", authSettings, s.testCampaign},
		{"POST", "/api/v1/campaigns/{id}/start", authSettings, s.campaignAction("started", startCampaign)},
		{"POST", "/api/v1/campaigns/{id}/pause", authSettings, s.campaignAction("paused", pauseCampaign)},
		{"POST", "/api/v1/campaigns/{id}/resume", authSettings, s.campaignAction("resumed", resumeCampaign)},
		{"POST", "/api/v1/campaigns/{id}/cancel", authSettings, s.campaignAction("cancelled", cancelCampaign)},
		{"GET", "/api/v1/campaigns/{id}/recipients", authSettings, s.listCampaignRecipients},
		{"GET", "/api/v1/campaigns/{id}/recipients.csv", authSettings, s.campaignRecipientsCSV},
		{"GET", "/api/v1/campaigns/{id}/timeline", authSettings, s.campaignTimeline},
		{"GET", "/api/v1/settings/campaigns", authSettings, s.getCampaignSettings},
		{"PUT", "/api/v1/settings/campaigns", authSettings, s.putCampaignSettings},
		{"GET", "/api/v1/forwarding/deliveries", authSettings, s.listDeliveries},
		{"GET", "/api/v1/forwarding/deliveries/{id}", authSettings, s.getDelivery},
		{"POST", "/api/v1/forwarding/deliveries/{id}/resend", authSettings, s.resendDelivery},

		{"GET", "/api/v1/flows", authKey, s.listFlows},
		{"POST", "/api/v1/flows", authAdmin, s.createFlow},
		{"POST", "/api/v1/flows/import", authAdmin, s.importFlow},
		{"GET", "/api/v1/flows/{id}", authKey, s.getFlow},
		{"PUT", "/api/v1/flows/{id}", authAdmin, s.updateFlow},
		{"DELETE", "/api/v1/flows/{id}", authAdmin, s.deleteFlow},
		{"POST", "/api/v1/flows/{id}/enable", authAdmin, s.enableFlow},
		{"POST", "/api/v1/flows/{id}/disable", authAdmin, s.disableFlow},
		{"GET", "/api/v1/flows/{id}/export", authKey, s.exportFlow},
		{"POST", "/api/v1/flows/{id}/test", authKey, s.testFlow},

		{"GET", "/api/v1/runs", authKey, s.listRuns},
		{"GET", "/api/v1/runs/{id}", authKey, s.getRun},
		{"POST", "/api/v1/runs/{id}/cancel", authKey, s.cancelRun},

		{"POST", "/api/v1/events", authKey, s.postEvent},

		{"GET", "/api/v1/api-keys", authAdmin, s.listAPIKeys},
		{"POST", "/api/v1/api-keys", authAdmin, s.createAPIKey},
		{"GET", "/api/v1/api-keys/{id}", authAdmin, s.getAPIKey},
		{"POST", "/api/v1/api-keys/{id}/revoke", authAdmin, s.revokeAPIKey},

		{"GET", "/api/v1/users", authUsers, s.listUsers},
		{"POST", "/api/v1/users", authUsers, s.createUser},
		{"GET", "/api/v1/users/{id}", authUsers, s.getUser},
		{"PATCH", "/api/v1/users/{id}", authUsers, s.updateUser},

		{"GET", "/api/v1/leads", authKey, s.listLeads},
		{"POST", "/api/v1/leads", authLeads, s.createLead},
		{"GET", "/api/v1/leads/report", authKey, s.leadReport},
		{"GET", "/api/v1/leads/{id}", authKey, s.getLead},
		{"PATCH", "/api/v1/leads/{id}", authLeads, s.updateLead},
		{"POST", "/api/v1/leads/{id}/assign", authAssign, s.assignLead},
		{"GET", "/api/v1/leads/{id}/history", authKey, s.leadHistory},
		{"GET", "/api/v1/lead-sources", authKey, s.listLeadSources},
		{"POST", "/api/v1/lead-sources", authLeads, s.createLeadSource},
		{"PATCH", "/api/v1/lead-sources/{id}", authLeads, s.renameLeadSource},
		{"DELETE", "/api/v1/lead-sources/{id}", authLeads, s.deleteLeadSource},
		{"GET", "/api/v1/settings/leads", authKey, s.getLeadSettings},
		{"PUT", "/api/v1/settings/leads", authSettings, s.putLeadSettings},
		{"GET", "/api/v1/settings/media", authKey, s.getMediaSettings},
		{"PUT", "/api/v1/settings/media", authSettings, s.putMediaSettings},
	}
}
