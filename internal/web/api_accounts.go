package web

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/httpx"
)

// accountView is an account as the API shows it: secrets are never
// returned, only whether they are set, plus the webhook URL to give Meta.
type accountView struct {
	account.Account
	WebhookURL     string `json:"webhook_url"`
	HasAccessToken bool   `json:"has_access_token"`
	HasAppSecret   bool   `json:"has_app_secret"`
	HasVerifyToken bool   `json:"has_verify_token"`
}

func (s *server) viewAccount(a account.Account) accountView {
	return accountView{Account: a, WebhookURL: s.PublicURL + "/webhooks/whatsapp/" + strconv.FormatInt(a.ID, 10),
		HasAccessToken: a.AccessToken != "", HasAppSecret: a.AppSecret != "", HasVerifyToken: a.VerifyToken != ""}
}

func (s *server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Accounts.Accounts(r.Context())
	if err != nil {
		return err
	}
	out := make([]accountView, 0, len(list))
	for _, a := range list {
		out = append(out, s.viewAccount(a))
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"accounts": out})
	return nil
}

func (s *server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var in account.AccountInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	a, err := s.Accounts.CreateAccount(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, s.viewAccount(a))
	return nil
}

func (s *server) getAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Accounts.Account(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, s.viewAccount(a))
	return nil
}

func (s *server) updateAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in account.AccountInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	a, err := s.Accounts.UpdateAccount(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, s.viewAccount(a))
	return nil
}

func (s *server) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Accounts.DeleteAccount(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) syncTemplates(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.Accounts.SyncTemplates(r.Context(), id)
	if err != nil {
		return err
	}
	list, err := s.Accounts.Templates(r.Context(), account.TemplateFilter{AccountID: id})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"synced": n, "templates": list})
	return nil
}

func (s *server) listTemplates(w http.ResponseWriter, r *http.Request) error {
	acc, err := queryInt(r, "account_id")
	if err != nil {
		return err
	}
	status, err := queryString(r, "status")
	if err != nil {
		return err
	}
	name, err := queryString(r, "name")
	if err != nil {
		return err
	}
	list, err := s.Accounts.Templates(r.Context(), account.TemplateFilter{AccountID: acc, Status: status, Name: name})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"templates": list})
	return nil
}
