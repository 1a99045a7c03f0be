package web

// auth is what a route requires.
type auth int

const (
	authNone  auth = iota
	authKey        // any valid API key
	authAdmin      // an admin's API key
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

		{"GET", "/api/v1/templates", authKey, s.listTemplates},

		{"GET", "/api/v1/conversations", authKey, s.listConversations},
		{"GET", "/api/v1/conversations/{id}", authKey, s.getConversation},

		{"GET", "/api/v1/contacts", authKey, s.listContacts},
		{"GET", "/api/v1/contacts/{id}", authKey, s.getContact},
		{"POST", "/api/v1/contacts/{id}/opt-out", authKey, s.optOut},
		{"POST", "/api/v1/contacts/{id}/opt-in", authKey, s.optIn},

		{"POST", "/api/v1/messages", authKey, s.sendMessage},
		{"GET", "/api/v1/messages/{id}", authKey, s.getMessage},

		{"GET", "/api/v1/notifications", authKey, s.listNotifications},
	}
}
