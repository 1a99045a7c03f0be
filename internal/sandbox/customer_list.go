package sandbox

import (
	"fmt"
	"strconv"
	"strings"
)

// A customer answers a list message by opening it and picking one row:
// WhatsApp sends an "interactive" message of type list_reply with the
// row's id, title and description, its context naming the list message
// (the Cloud API's webhook reference, "interactive" messages).

type whListReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Pick is a customer's choice of a row of a list message.
type Pick struct {
	// MessageID is the wamid of the list message; empty: the newest list
	// message the business sent the customer.
	MessageID string
	RowID     string
}

// CustomerPicks simulates customer `from` picking row pick.RowID of a
// list message the business sent them. A row id that is not in that list
// is refused with ErrUnknownChoice, naming the rows it has: WhatsApp's
// client can only send one of them.
func (s *Sandbox) CustomerPicks(phoneNumberID, from, name string, pick Pick) (string, error) {
	pick.MessageID, pick.RowID = strings.TrimSpace(pick.MessageID), strings.TrimSpace(pick.RowID)
	if pick.RowID == "" {
		return "", fmt.Errorf("%w: the row id is empty", ErrInvalidInput)
	}
	return s.customerAnswers(phoneNumberID, from, name, func(snd *senderState, waID string) (string, func(*whMessage), error) {
		isRow := func(c Choice) bool { return c.Kind == ChoiceRow }
		list, _, err := s.offeredLocked(phoneNumberID, waID, pick.MessageID, isRow)
		if err != nil {
			return "", nil, err
		}
		if list.WAMID == "" {
			if pick.MessageID != "" {
				return "", nil, fmt.Errorf("%w: message %s is not a list message", ErrUnknownChoice, pick.MessageID)
			}
			return "", nil, fmt.Errorf("%w: the business sent this customer no list message", ErrUnknownChoice)
		}
		var row *Choice
		var ids []string
		for _, c := range s.choicesLocked(list) {
			if c.Kind == ChoiceRow {
				ids = append(ids, strconv.Quote(c.ID))
				if c.ID == pick.RowID {
					row = &c
				}
			}
		}
		if row == nil {
			return "", nil, fmt.Errorf("%w: row %q is not in list message %s (its rows: %s)",
				ErrUnknownChoice, pick.RowID, list.WAMID, strings.Join(ids, ", "))
		}
		ctx := &whContext{From: digitsOf(snd.DisplayPhoneNumber), ID: list.WAMID}
		return row.Title, func(m *whMessage) {
			m.Context = ctx
			m.Type = "interactive"
			m.Interactive = &whInteractive{Type: "list_reply",
				ListReply: &whListReply{ID: row.ID, Title: row.Title, Description: row.Description}}
		}, nil
	})
}
