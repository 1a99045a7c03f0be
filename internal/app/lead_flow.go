package app

import (
	"context"

	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
)

// flowLeads carries out the flows' lead steps (flow.Leads) with the lead
// service and the support team's conversation assignment, inside the
// run's transaction. It reads the services from the App when a step
// runs: the flow service is built before them.
type flowLeads struct{ a *App }

func (f flowLeads) ApplyLead(ctx context.Context, tx store.Tx, target flow.LeadTarget, ef flow.LeadEffect) (map[string]any, error) {
	leads := f.a.Leads
	contact, err := leads.ResolveContact(ctx, tx, target.ContactID, target.ConversationID, target.Phone)
	if err != nil {
		return nil, err
	}
	by := lead.Actor{Kind: lead.ByFlow}
	if ef.Op == flow.LeadUpdate {
		ch := lead.Change{AddTags: ef.Tags, Fields: ef.Fields}
		if ef.Status != "" {
			st := lead.Status(ef.Status)
			ch.Status = &st
		}
		if ef.Notes != "" {
			ch.Notes = &ef.Notes
		}
		l, err := leads.UpdateOpen(ctx, tx, contact, ch, by)
		if err != nil {
			return nil, err
		}
		return map[string]any{"lead_id": l.ID, "status": string(l.Status), "tags": l.Tags}, nil
	}

	var to int64
	switch ef.Mode {
	case flow.AssignModeAgent:
		if to, err = leads.AgentByEmail(ctx, tx, ef.Agent); err != nil {
			return nil, err
		}
	case flow.AssignModeRoundRobin:
		if to, err = leads.NextAgent(ctx, tx); err != nil {
			return nil, err
		}
		if to == 0 {
			// Nobody to take turns: the lead and the chat keep their agent.
			l, err := leads.UpdateOpen(ctx, tx, contact, lead.Change{}, by)
			if err != nil {
				return nil, err
			}
			return map[string]any{"lead_id": l.ID, "agent_id": l.AgentID, "assigned": false, "reason": "no active agent to take a turn"}, nil
		}
	}
	l, err := leads.AssignOpen(ctx, tx, contact, to, by)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"lead_id": l.ID, "agent_id": l.AgentID, "agent_name": l.AgentName, "assigned": to != 0}
	if target.ConversationID != 0 {
		if err := messaging.NewTeam(f.a.Messaging, f.a.Live).AssignTx(ctx, tx, target.ConversationID, to); err != nil {
			return nil, err
		}
		out["conversation_id"] = target.ConversationID
	}
	return out, nil
}
