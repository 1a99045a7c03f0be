package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/httpx"
)

func (s *server) listSenders(w http.ResponseWriter, r *http.Request) error {
	acc, err := queryInt(r, "account_id")
	if err != nil {
		return err
	}
	return s.writeSenders(w, r, acc)
}

func (s *server) listAccountSenders(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Accounts.Account(r.Context(), id); err != nil {
		return err
	}
	return s.writeSenders(w, r, id)
}

func (s *server) writeSenders(w http.ResponseWriter, r *http.Request, accountID int64) error {
	list, err := s.Accounts.Senders(r.Context(), accountID)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"senders": list})
	return nil
}

func (s *server) createSender(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in account.SenderInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	sn, err := s.Accounts.CreateSender(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, sn)
	return nil
}

func (s *server) getSender(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sn, err := s.Accounts.Sender(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, sn)
	return nil
}

func (s *server) updateSender(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in account.SenderInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	sn, err := s.Accounts.UpdateSender(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, sn)
	return nil
}

func (s *server) deleteSender(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Accounts.DeleteSender(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkSender reads the sender from the Cloud API now; the answer carries
// the fresh status, or Meta's error.
func (s *server) checkSender(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sn, err := s.Accounts.CheckSender(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, sn)
	return nil
}

// releaseHeldSender sends the bulk messages a RED sender holds, despite
// its rating.
func (s *server) releaseHeldSender(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.Outbox.ReleaseHeld(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]int{"released": n})
	return nil
}
