package sandbox

import (
	"strconv"
	"strings"
	"time"
)

// convKey identifies a conversation for pricing: one per sender, user and
// category, open 24 hours from its first message (Meta's conversation ids).
type convKey struct{ phoneID, waID, category string }

type conversation struct {
	id      string
	expires time.Time
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func (s *Sandbox) metadata(snd *senderState) whMetadata {
	return whMetadata{DisplayPhoneNumber: digitsOf(snd.DisplayPhoneNumber), PhoneNumberID: snd.PhoneNumberID}
}

// scheduleStatusesLocked queues sent → delivered → read for an accepted
// message, StatusDelay apart. "sent" and "delivered" carry conversation and
// pricing (PMP); free-form replies and utility templates inside the customer
// service window are free_customer_service, everything else regular.
func (s *Sandbox) scheduleStatusesLocked(snd *senderState, m SentMessage, tpl *Template, windowOpen bool, opaque string) {
	category, pricingType, billable := "service", "free_customer_service", false
	if tpl != nil {
		category = strings.ToLower(tpl.Category)
		if !(category == "utility" && windowOpen) {
			pricingType, billable = "regular", true
		}
	}
	key := convKey{snd.PhoneNumberID, m.WaID, category}
	conv, ok := s.convs[key]
	if !ok || !m.Time.Before(conv.expires) {
		conv = conversation{id: newHexID(16), expires: m.Time.Add(windowTTL)}
		s.convs[key] = conv
		s.sweepLocked(m.Time)
	}
	pricing := &whPricing{Billable: billable, PricingModel: "PMP", Type: pricingType, Category: category}
	delay := max(s.cfg.StatusDelay, 0)
	base := time.Now()
	for i, st := range []string{"sent", "delivered", "read"} {
		at := m.Time.Add(time.Duration(i) * delay)
		status := &whStatus{ID: m.WAMID, Status: st, Timestamp: unix(at), RecipientID: m.WaID, BizOpaqueCallbackData: opaque}
		switch st {
		case "sent":
			status.Conversation = &whConversation{ID: conv.id, ExpirationTimestamp: unix(conv.expires), Origin: whOrigin{Type: category}}
			status.Pricing = pricing
		case "delivered":
			status.Conversation = &whConversation{ID: conv.id, Origin: whOrigin{Type: category}}
			status.Pricing = pricing
		}
		s.enqueueAtLocked(&event{field: "messages", meta: s.metadata(snd), status: status}, base.Add(time.Duration(i)*delay))
	}
}

// scheduleFailedLocked queues a "failed" status carrying error code, the
// asynchronous way Meta reports many delivery failures after a 200.
func (s *Sandbox) scheduleFailedLocked(snd *senderState, m SentMessage, opaque string, code int) {
	title, _, details := errorInfo(code)
	status := &whStatus{ID: m.WAMID, Status: "failed", Timestamp: unix(m.Time), RecipientID: m.WaID,
		BizOpaqueCallbackData: opaque,
		Errors: []whError{{Code: code, Title: title, Message: title, ErrorData: &whErrorData{Details: details},
			Href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}}}
	s.enqueueLocked(&event{field: "messages", meta: s.metadata(snd), status: status}, max(s.cfg.StatusDelay, 0))
}
