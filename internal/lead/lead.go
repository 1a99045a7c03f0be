package lead

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Status is where a lead is in its life.
type Status string

// The statuses, in funnel order.
const (
	StatusNew        Status = "new"
	StatusInProgress Status = "in_progress"
	StatusContacted  Status = "contacted"
	StatusQualified  Status = "qualified"
	StatusClosed     Status = "closed"
)

// Statuses lists every status in funnel order (pages and reports show
// them so).
var Statuses = []Status{StatusNew, StatusInProgress, StatusContacted, StatusQualified, StatusClosed}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusInProgress, StatusContacted, StatusQualified, StatusClosed:
		return true
	}
	return false
}

// Open reports whether a lead in status s is open (not closed).
func (s Status) Open() bool { return s != StatusClosed }

// Lead is a contact the team works on.
type Lead struct {
	ID           int64  `json:"id"`
	ContactID    int64  `json:"contact_id"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	// ConversationID is the contact's latest conversation (the chat to
	// open beside the lead), 0 when the contact has none.
	ConversationID int64  `json:"conversation_id"`
	Status         Status `json:"status"`
	// SourceID is 0 when the lead has no source (or its source was
	// removed); SourceName is then "".
	SourceID   int64  `json:"source_id"`
	SourceName string `json:"source_name"`
	// AgentID is the assigned user, 0 when unassigned.
	AgentID   int64             `json:"agent_id"`
	AgentName string            `json:"agent_name"`
	Notes     string            `json:"notes"`
	Tags      []string          `json:"tags"`
	Fields    map[string]string `json:"fields"`
	// Automatic: created by auto lead capture from an inbound message.
	Automatic bool      `json:"automatic"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Open reports whether l is open.
func (l Lead) Open() bool { return l.Status.Open() }

// Who changed a lead (Actor.Kind).
const (
	ByUser     = "user"      // a person, in the web app or through the API
	ByAutoLead = "auto_lead" // automatic capture from an inbound message
	ByFlow     = "flow"      // a flow's update_lead or assign_agent step
)

// Actor is who or what makes a change: a user (UserID), or automation
// (Kind ByAutoLead or ByFlow, UserID 0).
type Actor struct {
	UserID int64
	Kind   string
}

// User is the actor of a change made by user id.
func User(id int64) Actor { return Actor{UserID: id, Kind: ByUser} }

// Service manages leads, their sources and the auto lead settings.
type Service struct {
	db       store.DB
	settings *settings.Store
	hub      *live.Hub
	now      func() time.Time
}

// New builds a Service. hub carries the live events that tell the web app
// of lead changes and assignments; now is the clock (nil: time.Now).
func New(db store.DB, st *settings.Store, hub *live.Hub, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, settings: st, hub: hub, now: now}
}

// inTx runs fn in tx when it is not nil, else in a new transaction: the
// exported methods come in both forms (a flow step writes inside its
// job's transaction, a page in its own).
func (s *Service) inTx(ctx context.Context, tx store.Tx, fn func(store.Tx) error) error {
	if tx != nil {
		return fn(tx)
	}
	return s.db.InTx(ctx, fn)
}
