package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/phone"
)

func (s *server) listConversations(w http.ResponseWriter, r *http.Request) error {
	var f messaging.ConversationFilter
	var err error
	if f.SenderID, err = queryInt(r, "sender_id"); err != nil {
		return err
	}
	if f.ContactID, err = queryInt(r, "contact_id"); err != nil {
		return err
	}
	if f.WindowOpen, err = queryBool(r, "window_open"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	f.Limit = int(limit)
	if f.Cursor, err = queryString(r, "cursor"); err != nil {
		return err
	}
	if p := r.URL.Query().Get("phone"); p != "" {
		if f.Phone, err = phone.Normalize(p, ""); err != nil {
			return apperr.Invalid("phone", "invalid_phone", err.Error())
		}
	}
	page, err := s.Messaging.Conversations(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, page)
	return nil
}

func (s *server) getConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Messaging.Conversation(r.Context(), id)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	msgs, err := s.Messaging.Messages(r.Context(), id, int(limit))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, struct {
		messaging.Conversation
		Messages []messaging.Message `json:"messages"`
	}{c, msgs})
	return nil
}

func (s *server) listContacts(w http.ResponseWriter, r *http.Request) error {
	var f messaging.ContactFilter
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset")
	if err != nil {
		return err
	}
	f.Limit, f.Offset = int(limit), int(offset)
	if p := r.URL.Query().Get("phone"); p != "" {
		if f.Phone, err = phone.Normalize(p, ""); err != nil {
			return apperr.Invalid("phone", "invalid_phone", err.Error())
		}
	}
	list, err := s.Messaging.Contacts(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"contacts": list})
	return nil
}

func (s *server) getContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Messaging.Contact(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, c)
	return nil
}
