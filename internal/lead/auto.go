package lead

import (
	"context"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// KeyAutoLead is the settings section (and audit section) of auto lead.
const KeyAutoLead = "auto_lead"

// Who gets an automatic lead (AutoSettings.Agent).
const (
	AgentUnassigned = "unassigned"  // nobody
	AgentNamed      = "agent"       // AutoSettings.AgentID
	AgentRoundRobin = "round_robin" // active agents in turn (NextAgent)
)

// AutoSettings is the auto lead panel: when Enabled, an inbound message
// from a contact with no open lead creates one in Status, from source
// SourceID, assigned as Agent says.
type AutoSettings struct {
	Enabled  bool   `json:"enabled"`
	Status   Status `json:"default_status"`
	SourceID int64  `json:"source_id"`
	Agent    string `json:"agent"`
	AgentID  int64  `json:"agent_id"` // with Agent "agent"
}

// DefaultAutoSettings is auto lead before anyone saved it: off; new,
// WhatsApp, unassigned.
func DefaultAutoSettings() AutoSettings {
	return AutoSettings{Status: StatusNew, SourceID: DefaultSourceID, Agent: AgentUnassigned}
}

// AutoSettingsInput changes auto lead; nil fields keep their value.
type AutoSettingsInput struct {
	Enabled  *bool   `json:"enabled"`
	Status   *Status `json:"default_status"`
	SourceID *int64  `json:"source_id"`
	Agent    *string `json:"agent"`
	AgentID  *int64  `json:"agent_id"`
}

// AutoSettings reads the auto lead settings (q may be the caller's
// transaction; nil reads from the pool).
func (s *Service) AutoSettings(ctx context.Context, q store.Querier) (AutoSettings, error) {
	return settings.Get(ctx, s.settings, q, KeyAutoLead, DefaultAutoSettings())
}

// UpdateAutoSettings validates and stores a change of the auto lead
// settings, which applies to the next inbound message. The caller records
// the change in the settings audit (settings.Diff of before and after).
func (s *Service) UpdateAutoSettings(ctx context.Context, in AutoSettingsInput) (AutoSettings, error) {
	v, err := s.AutoSettings(ctx, nil)
	if err != nil {
		return AutoSettings{}, err
	}
	if in.Enabled != nil {
		v.Enabled = *in.Enabled
	}
	if in.Status != nil {
		v.Status = *in.Status
	}
	if in.SourceID != nil {
		v.SourceID = *in.SourceID
	}
	if in.Agent != nil {
		v.Agent = *in.Agent
	}
	if in.AgentID != nil {
		v.AgentID = *in.AgentID
	}
	if v.Agent != AgentNamed {
		v.AgentID = 0
	}
	if err := s.CheckAutoSettings(ctx, v); err != nil {
		return AutoSettings{}, err
	}
	if err := settings.Put(ctx, s.settings, KeyAutoLead, v); err != nil {
		return AutoSettings{}, err
	}
	return v, nil
}

// CheckAutoSettings validates v, naming the failing field: a status that
// is not closed (a closed default would open a new lead on every
// message), a source of the list, and an agent mode (with an active user
// for "agent").
func (s *Service) CheckAutoSettings(ctx context.Context, v AutoSettings) error {
	if v.Status == "" {
		return apperr.Invalid("default_status", "status_required", "choose the status new leads start in")
	}
	if !v.Status.Valid() {
		return errStatus("default_status")
	}
	if !v.Status.Open() {
		return apperr.Invalid("default_status", "closed_new_lead", "a new lead cannot start closed")
	}
	q := s.db.Read()
	if v.SourceID == 0 {
		return apperr.Invalid("source_id", "source_required", "choose the source of new leads")
	}
	if err := checkSource(ctx, q, v.SourceID); err != nil {
		return err
	}
	switch v.Agent {
	case AgentUnassigned, AgentRoundRobin:
		return nil
	case AgentNamed:
		if v.AgentID == 0 {
			return apperr.Invalid("agent_id", "agent_required", "choose the agent who gets new leads")
		}
		return checkAgent(ctx, q, "agent_id", v.AgentID)
	}
	return apperr.Invalid("agent", "invalid_agent_mode", "agent must be unassigned, agent or round_robin")
}

// InboundHook returns the hook to register with messaging.Service.OnInbound:
// auto lead capture. Register it after the conversation assignment hook
// (both may take PostgreSQL advisory locks; one order everywhere means no
// deadlock).
func (s *Service) InboundHook() messaging.InboundHook {
	return func(ctx context.Context, tx store.Tx, ev messaging.InboundEvent) error {
		_, err := s.Capture(ctx, tx, ev.ContactID)
		return err
	}
}

// Capture is auto lead for one inbound message from contact, inside the
// message's transaction: when auto lead is on and the contact has no open
// lead, it creates one with the settings' defaults and returns its id
// (0 when nothing was created). A repeated or concurrent call for the
// same contact creates nothing (the open-lead unique index), and takes no
// round-robin turn: the agent is chosen only once the lead exists.
func (s *Service) Capture(ctx context.Context, tx store.Tx, contactID int64) (int64, error) {
	set, err := s.AutoSettings(ctx, tx)
	if err != nil || !set.Enabled {
		return 0, err
	}
	by := Actor{Kind: ByAutoLead}
	id, created, err := s.insertOpen(ctx, tx, contactID, set.Status, set.SourceID, true, by)
	if err != nil || !created {
		return 0, err
	}
	var to int64
	switch set.Agent {
	case AgentNamed:
		// An agent deactivated since the settings were saved gets
		// nothing: the lead waits unassigned.
		if checkAgent(ctx, tx, "agent_id", set.AgentID) == nil {
			to = set.AgentID
		}
	case AgentRoundRobin:
		if to, err = s.NextAgent(ctx, tx); err != nil {
			return 0, err
		}
	}
	if to != 0 {
		if _, err := s.assign(ctx, tx, id, to, by); err != nil {
			return 0, err
		}
	}
	return id, s.appendEvent(ctx, tx, live.KindLead, contactID, 0)
}

// autoAudit is AutoSettings as an audit line shows it: the source and the
// agent by name rather than by id.
type autoAudit struct {
	Enabled bool   `json:"enabled"`
	Status  Status `json:"default_status"`
	Source  string `json:"source"`
	Agent   string `json:"agent"`
}

// AuditSummary describes the change from before to after for the settings
// audit ("enabled: false → true; agent: unassigned → Ana"), "" when
// nothing changed. Names are read now; an id that is gone shows as "#id".
func (s *Service) AuditSummary(ctx context.Context, before, after AutoSettings) string {
	return settings.Diff(s.auditView(ctx, before), s.auditView(ctx, after))
}

func (s *Service) auditView(ctx context.Context, v AutoSettings) autoAudit {
	q := s.db.Read()
	name := func(query string, id int64) string {
		var n string
		if err := q.QueryRow(ctx, query, id).Scan(&n); err != nil {
			return "#" + strconv.FormatInt(id, 10)
		}
		return n
	}
	a := autoAudit{Enabled: v.Enabled, Status: v.Status, Agent: v.Agent}
	if v.SourceID != 0 {
		a.Source = name(`SELECT name FROM lead_sources WHERE id = ?`, v.SourceID)
	}
	if v.Agent == AgentNamed {
		a.Agent = name(`SELECT CASE WHEN name = '' THEN email ELSE name END FROM users WHERE id = ?`, v.AgentID)
	}
	return a
}
