package flow

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Saving a flow checks the WhatsApp templates its send_template steps
// name: one that does not exist on the sender's account, or is not
// APPROVED, is a warning in the save's answer (the template may be
// created or approved later), and enabling the flow is refused until it
// is fixed, naming the step and field. A name or language that comes from
// data ({{trigger.tpl}}) is known only when the step runs and is not
// checked here.

// TemplateLister lists an account's templates (account.Service).
type TemplateLister interface {
	Templates(ctx context.Context, f account.TemplateFilter) ([]account.Template, error)
}

// SaveWarning is a problem found when saving a flow that does not stop
// the save.
type SaveWarning struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Warning codes of a save.
const (
	WarnTemplateNotFound    = "template_not_found"
	WarnTemplateNotApproved = "template_not_approved"
)

// checkTemplates returns the warnings of fl's statically named templates
// (none when no TemplateLister is wired).
func (s *Service) checkTemplates(ctx context.Context, fl Flow) ([]SaveWarning, error) {
	if s.Templates == nil {
		return nil, nil
	}
	var out []SaveWarning
	var err error
	Walk(fl.Steps, "steps", func(st *Step, path string, _ int) {
		if err != nil || st.Type != StepSendTemplate || st.Template == nil {
			return
		}
		name, lang := st.Template.Name, st.Template.Language
		if name == "" || lang == "" || templated(name) || templated(lang) {
			return
		}
		ref := st.Sender
		if ref == "" {
			ref = fl.Trigger.Sender
		}
		var w *SaveWarning
		w, err = s.checkTemplate(ctx, ref, name, lang, path+".template.name")
		if w != nil {
			out = append(out, *w)
		}
	})
	return out, err
}

func (s *Service) checkTemplate(ctx context.Context, senderRef, name, lang, field string) (*SaveWarning, error) {
	accountID, where := int64(0), "on any account"
	if senderRef != "" && !templated(senderRef) {
		id, err := senderAccount(ctx, s.DB.Read(), senderRef)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			accountID, where = id, "on the sender's account"
		}
	}
	list, err := s.Templates.Templates(ctx, account.TemplateFilter{AccountID: accountID, Name: name})
	if err != nil {
		return nil, err
	}
	var found []string
	for _, t := range list {
		if t.Language != lang {
			continue
		}
		if t.Status == "APPROVED" {
			return nil, nil
		}
		found = append(found, t.Status)
	}
	if len(found) == 0 {
		return &SaveWarning{Field: field, Code: WarnTemplateNotFound,
			Message: "no template " + name + " (" + lang + ") exists " + where + ": create it at Meta and sync the templates, or fix the name and language"}, nil
	}
	return &SaveWarning{Field: field, Code: WarnTemplateNotApproved,
		Message: "template " + name + " (" + lang + ") is " + strings.Join(found, ", ") + ", not APPROVED: it cannot be sent until Meta approves it"}, nil
}

// senderAccount finds the account of a sender named by id or
// phone_number_id (0 when there is no such sender).
func senderAccount(ctx context.Context, q store.Querier, ref string) (int64, error) {
	var sn account.Sender
	var err error
	if n, perr := strconv.ParseInt(ref, 10, 64); perr == nil && n > 0 && len(ref) < 10 {
		sn, err = account.SenderByID(ctx, q, n)
	} else {
		sn, err = account.SenderByPhoneNumberID(ctx, q, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return sn.AccountID, err
}

// refuseEnabling turns the first template warning into the error that
// keeps a flow from being enabled.
func refuseEnabling(ws []SaveWarning) error {
	if len(ws) == 0 {
		return nil
	}
	w := ws[0]
	return apperr.Invalid(w.Field, w.Code, w.Message+"; the flow cannot be enabled until "+w.Field+" names an approved template")
}

func templated(s string) bool { return strings.Contains(s, "{{") }
