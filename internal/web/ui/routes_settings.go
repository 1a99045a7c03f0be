package ui

import "net/http"

// registerSettings adds the settings pages and actions to mux: an index
// and one page per panel, each saved by a POST to its own address. Every
// route needs the manage-settings permission (settingsRoute).
func (u *UI) registerSettings(mux *http.ServeMux) {
	mux.Handle("GET /settings", u.settingsRoute(u.settingsIndex))
	pages := map[string][2]func(http.ResponseWriter, *http.Request){
		"ai":             {u.aiSettingsPage, u.saveAISettings},
		"assistant":      {u.assistantSettingsPage, u.saveAssistantSettings},
		"stop-bot":       {u.stopBotSettingsPage, u.saveStopBotSettings},
		"opt-out":        {u.optOutSettingsPage, u.saveOptOutSettings},
		"sound":          {u.soundSettingsPage, u.saveSoundSettings},
		"support-agents": {u.supportAgentsSettingsPage, u.saveSupportAgentsSettings},
		"leads":          {u.leadSettingsPage, u.saveLeadSettings},
		"prompts":        {u.settingsPromptsPage, u.settingsCreatePrompt},
		"cleanup":        {u.cleanupSettingsPage, u.saveCleanupSettings},
		"forwarding":     {u.forwardSettingsPage, u.saveForwardSettings},
		"campaigns":      {u.campaignSettingsPage, u.saveCampaignSettings},
	}
	for slug, h := range pages {
		mux.Handle("GET /settings/"+slug, u.settingsRoute(h[0]))
		mux.Handle("POST /settings/"+slug, u.guard(u.settingsRoute(h[1])))
	}
	mux.Handle("POST /settings/prompts/{id}", u.guard(u.settingsRoute(u.settingsUpdatePrompt)))
	mux.Handle("POST /settings/prompts/{id}/delete", u.guard(u.settingsRoute(u.settingsDeletePrompt)))
	mux.Handle("POST /settings/cleanup/run", u.guard(u.settingsRoute(u.runCleanup)))
	u.registerForward(mux)
}
