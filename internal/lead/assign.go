package lead

import (
	"context"
	"errors"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/store"
)

// Assign gives lead id to user to (0 unassigns it). to must be an active
// user. The new agent hears of it live.
func (s *Service) Assign(ctx context.Context, id, to int64, by Actor) (Lead, error) {
	var out Lead
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		if err := checkAgent(ctx, tx, "agent_id", to); err != nil {
			return err
		}
		var err error
		out, err = s.assign(ctx, tx, id, to, by)
		return err
	})
	return out, err
}

// AssignOpen gives contact's open lead to user to (0 unassigns it) inside
// tx (nil: its own transaction), creating the lead when the contact has
// none: a flow's assign_agent step.
func (s *Service) AssignOpen(ctx context.Context, tx store.Tx, contactID, to int64, by Actor) (Lead, error) {
	var out Lead
	err := s.inTx(ctx, tx, func(tx store.Tx) error {
		if err := checkAgent(ctx, tx, "agent_id", to); err != nil {
			return err
		}
		id, err := s.ensureOpen(ctx, tx, contactID, by)
		if err != nil {
			return err
		}
		out, err = s.assign(ctx, tx, id, to, by)
		return err
	})
	return out, err
}

func (s *Service) assign(ctx context.Context, tx store.Tx, id, to int64, by Actor) (Lead, error) {
	var contact, cur int64
	err := tx.QueryRow(ctx, `SELECT contact_id, COALESCE(assigned_user_id, 0) FROM leads WHERE id = ?`, id).Scan(&contact, &cur)
	if errors.Is(err, store.ErrNotFound) {
		return Lead{}, errNotFound()
	}
	if err != nil {
		return Lead{}, err
	}
	if cur != to {
		if _, err := tx.Exec(ctx, `UPDATE leads SET assigned_user_id = ?, updated_at = ? WHERE id = ?`,
			nullID(to), store.Millis(s.now()), id); err != nil {
			return Lead{}, err
		}
		// UserID is whom the event concerns: the new agent (0 when
		// unassigned), who is told a lead is theirs.
		if err := s.appendEvent(ctx, tx, live.KindLeadAssigned, contact, to); err != nil {
			return Lead{}, err
		}
	}
	return s.get(ctx, tx, id)
}

// leadTurnLock is the PostgreSQL advisory lock key of round-robin lead
// assignment ("zflead" in ASCII).
const leadTurnLock int64 = 0x7a666c656164

// maxTurnTries bounds how often NextAgent retries when another instance
// took the same agent's turn at the same moment.
const maxTurnTries = 8

// NextAgent takes the next turn of round-robin lead assignment inside tx
// and returns whose it is: the active agent (role agent, not away) with
// the lowest turn, ties by id; 0 when no agent is available. The turns
// live in the database (table lead_turns), so every instance follows one
// order and a restart keeps it: taking a turn moves the agent past every
// other, under an advisory lock on PostgreSQL and as a compare-and-set on
// the agent's row, so no turn is taken twice.
func (s *Service) NextAgent(ctx context.Context, tx store.Tx) (int64, error) {
	if s.db.Dialect() == store.Postgres {
		// One turn at a time across instances until this transaction
		// ends (SQLite has one writer: its transactions already take
		// turns).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, leadTurnLock); err != nil {
			return 0, err
		}
	}
	for range maxTurnTries {
		var user, turn int64
		err := tx.QueryRow(ctx, `SELECT u.id, COALESCE(t.turn, 0) FROM users u LEFT JOIN lead_turns t ON t.user_id = u.id
			WHERE u.role = ? AND u.active AND NOT u.away ORDER BY COALESCE(t.turn, 0), u.id LIMIT 1`, agent.RoleAgent).Scan(&user, &turn)
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		n, err := tx.Exec(ctx, `INSERT INTO lead_turns (user_id, turn) VALUES (?, (SELECT COALESCE(MAX(turn), 0) + 1 FROM lead_turns))
			ON CONFLICT (user_id) DO UPDATE SET turn = excluded.turn WHERE lead_turns.turn = ?`, user, turn)
		if err != nil {
			return 0, err
		}
		if n == 1 {
			return user, nil
		}
	}
	return 0, errors.New("lead: round-robin: the agents' turns kept changing")
}
