package flow

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/store"
)

// AIReply is what an assistant answered (F7).
type AIReply struct {
	Text           string
	ConversationID string
}

// AIFunc generates an assistant reply (the AI package's Service.Reply);
// while it is nil, generate_ai_reply is refused at save time with
// step_not_available.
type AIFunc func(ctx context.Context, assistantID int64, customerID, message string, vars map[string]string) (AIReply, error)

// ServiceOptions wires a Service.
type ServiceOptions struct {
	DB     store.DB
	Queue  *jobs.Queue
	Outbox *messaging.Outbox
	// HTTP makes http_request calls; default: a netguard client (internal
	// addresses refused) with a 30 s timeout.
	HTTP *http.Client
	AI   AIFunc
	// Templates checks the templates a flow names when it is saved or
	// enabled (nil: not checked).
	Templates TemplateLister
	// BotPaused reports, through q, whether the bot is paused in a
	// conversation and why (the AI package's Service.Paused): while it
	// is, messages there start no runs and end the runs waiting for them.
	BotPaused func(ctx context.Context, q store.Querier, convID int64) (bool, string, error)
	Now       func() time.Time
	Log       *slog.Logger

	// Leads carries out update_lead and assign_agent (nil: those steps
	// fail with leads_unavailable).
	Leads Leads
	// Metrics counts runs and times steps (nil: not counted).
	Metrics *metrics.Metrics
	// Writes group-commits Event's transactions with other API requests'
	// (nil: each commits alone).
	Writes *store.Group
}

// Service stores flows, starts runs from triggers and applies every input
// to a run in a transaction with its effects.
type Service struct {
	ServiceOptions
	cache  *cache
	states *runStates // the runs this process just wrote, decoded
	runIDs runIDs     // PostgreSQL run ids drawn ahead (runids.go)
}

// NewService builds a Service. Register its workers and hooks before the
// queue starts (see internal/app/flow.go).
func NewService(o ServiceOptions) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.HTTP == nil {
		o.HTTP = netguard.New(netguard.Options{}).Client(30 * time.Second)
	}
	return &Service{ServiceOptions: o, cache: newCache(Options{AI: o.AI != nil}), states: newRunStates(maxRunStates)}
}

// SetClock replaces the clock (tests move time forward; call before the
// app runs).
func (s *Service) SetClock(now func() time.Time) { s.Now = now }

func (s *Service) options() Options { return Options{AI: s.AI != nil} }

// Create validates and stores a new flow (version 1). The record carries
// the save's warnings (templates that cannot be sent yet); a flow saved
// enabled is refused while it has any.
func (s *Service) Create(ctx context.Context, fl Flow) (Record, error) {
	warns, err := s.validate(ctx, fl)
	if err != nil {
		return Record{}, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx store.Tx) (err error) {
		if id, err = insertFlow(ctx, tx, fl, store.Millis(s.Now())); err != nil {
			return err
		}
		return bumpCache(ctx, tx)
	})
	if err != nil {
		return Record{}, err
	}
	s.cache.invalidate()
	return s.saved(ctx, id, warns)
}

// validate compiles fl and checks its templates: the warnings, or the
// error that refuses the save.
func (s *Service) validate(ctx context.Context, fl Flow) ([]SaveWarning, error) {
	if _, err := Compile(fl, s.options()); err != nil {
		return nil, err
	}
	warns, err := s.checkTemplates(ctx, fl)
	if err != nil {
		return nil, err
	}
	if fl.Enabled {
		return nil, refuseEnabling(warns)
	}
	return warns, nil
}

// saved reads a flow back after a save, with the save's warnings.
func (s *Service) saved(ctx context.Context, id int64, warns []SaveWarning) (Record, error) {
	rec, err := s.Get(ctx, id)
	rec.Warnings = warns
	return rec, err
}

// Update stores fl as the flow's next version. Runs in flight keep the
// version they started with.
func (s *Service) Update(ctx context.Context, id int64, fl Flow) (Record, error) {
	warns, err := s.validate(ctx, fl)
	if err != nil {
		return Record{}, err
	}
	err = s.DB.InTx(ctx, func(tx store.Tx) error {
		if _, err := updateFlow(ctx, tx, id, fl, store.Millis(s.Now())); err != nil {
			return err
		}
		return bumpCache(ctx, tx)
	})
	if err != nil {
		return Record{}, err
	}
	s.cache.invalidate()
	return s.saved(ctx, id, warns)
}

// SetEnabled enables or disables a flow (not a new version). Enabling is
// refused while a template the flow names cannot be sent.
func (s *Service) SetEnabled(ctx context.Context, id int64, on bool) (Record, error) {
	if on {
		rec, err := s.Get(ctx, id)
		if err != nil {
			return Record{}, err
		}
		if rec.ArchivedAt == nil {
			warns, err := s.checkTemplates(ctx, rec.Definition)
			if err != nil {
				return Record{}, err
			}
			if err := refuseEnabling(warns); err != nil {
				return Record{}, err
			}
		}
	}
	err := s.DB.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE flows SET enabled = ?, updated_at = ? WHERE id = ? AND archived_at = 0`, on, store.Millis(s.Now()), id)
		if err != nil {
			return err
		}
		if n == 0 {
			return notLive(ctx, tx, id)
		}
		return bumpCache(ctx, tx)
	})
	if err != nil {
		return Record{}, err
	}
	s.cache.invalidate()
	return s.Get(ctx, id)
}

// Get returns a flow.
func (s *Service) Get(ctx context.Context, id int64) (Record, error) {
	return getFlow(ctx, s.DB.Read(), id)
}

// List returns every live flow, and the archived ones too when archived
// is set.
func (s *Service) List(ctx context.Context, archived bool) ([]Record, error) {
	return listFlows(ctx, s.DB.Read(), archived)
}

// Import creates a flow from a file, or, when a flow of that name exists
// and replace is set, stores the file as its next version.
func (s *Service) Import(ctx context.Context, data []byte, f Format, replace bool) (Record, error) {
	fl, err := Parse(data, f)
	if err != nil {
		return Record{}, err
	}
	if replace {
		var id int64
		err := s.DB.Read().QueryRow(ctx, `SELECT id FROM flows WHERE name = ? AND archived_at = 0`, fl.Name).Scan(&id)
		if err == nil {
			return s.Update(ctx, id, fl)
		}
	}
	return s.Create(ctx, fl)
}

// ExportFlow writes a stored flow as a file.
func (s *Service) ExportFlow(ctx context.Context, id int64, f Format) ([]byte, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return Export(r.Definition, f)
}

// AuditSection is the audit log's section for flow changes.
const AuditSection = "flows"
