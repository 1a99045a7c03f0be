package messaging

import (
	"context"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/store"
)

// Team is the support team's work on conversations: who owns one
// (assignment, by hand or round-robin), resolving and reopening, internal
// notes and what was read. Every change appends its live event in the
// same transaction, so browsers hear of it once it commits.
type Team struct {
	svc *Service
	hub *live.Hub
}

// NewTeam builds a Team on svc's database and settings; hub carries the
// live events.
func NewTeam(svc *Service, hub *live.Hub) *Team { return &Team{svc: svc, hub: hub} }

// Assignment is one entry of a conversation's assignment history.
type Assignment struct {
	ID       int64     `json:"id"`
	UserID   int64     `json:"user_id"` // 0: unassigned
	UserName string    `json:"user_name"`
	ByUserID int64     `json:"by_user_id"` // 0: automatic
	ByName   string    `json:"by_name"`
	Auto     bool      `json:"automatic"`
	At       time.Time `json:"at"`
}

// Assignee is a user a conversation can be assigned to.
type Assignee struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Away bool   `json:"away"`
}

// Assignees lists the active users, by name, for the assign picker.
func (t *Team) Assignees(ctx context.Context) ([]Assignee, error) {
	rows, err := t.svc.db.Read().Query(ctx, `SELECT id, CASE WHEN name = '' THEN email ELSE name END, away FROM users
		WHERE active ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assignee
	for rows.Next() {
		var a Assignee
		if err := rows.Scan(&a.ID, &a.Name, &a.Away); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Assign gives conversation id to user to (0 unassigns it), by user by,
// and records it in the history. by must hold PermAssign (the caller
// checks); to must be an active user.
func (t *Team) Assign(ctx context.Context, id, to, by int64) error {
	return t.svc.db.InTx(ctx, func(tx store.Tx) error {
		if to != 0 {
			var ok bool
			err := tx.QueryRow(ctx, `SELECT active FROM users WHERE id = ?`, to).Scan(&ok)
			if errors.Is(err, store.ErrNotFound) || (err == nil && !ok) {
				return apperr.Invalid("user_id", "invalid_assignee", "assign the chat to an active user")
			}
			if err != nil {
				return err
			}
		}
		return t.assign(ctx, tx, id, to, by, false)
	})
}

func (t *Team) assign(ctx context.Context, tx store.Tx, id, to, by int64, auto bool) error {
	n, err := tx.Exec(ctx, `UPDATE conversations SET assigned_user_id = ? WHERE id = ?`, to, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFound("conversation")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO assignments (conversation_id, user_id, by_user_id, automatic, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, to, by, auto, store.Millis(t.svc.now())); err != nil {
		return err
	}
	return t.hub.Append(ctx, tx, live.Event{Kind: live.KindAssigned, ConversationID: id, UserID: to})
}

// AssignTx gives conversation id to user to (0 unassigns it) inside the
// caller's transaction, as automation (a flow's assign_agent step): the
// history shows it as automatic. A conversation that already has that
// agent is left as it is. to must be an active user (the caller checks).
func (t *Team) AssignTx(ctx context.Context, tx store.Tx, id, to int64) error {
	var cur int64
	err := tx.QueryRow(ctx, `SELECT assigned_user_id FROM conversations WHERE id = ?`, id).Scan(&cur)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("conversation")
	}
	if err != nil || cur == to {
		return err
	}
	return t.assign(ctx, tx, id, to, 0, true)
}

// History lists conversation id's assignments, oldest first.
func (t *Team) History(ctx context.Context, id int64) ([]Assignment, error) {
	rows, err := t.svc.db.Read().Query(ctx, `SELECT a.id, a.user_id, COALESCE(u.name, ''), a.by_user_id, COALESCE(b.name, ''), a.automatic, a.created_at
		FROM assignments a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN users b ON b.id = a.by_user_id
		WHERE a.conversation_id = ? ORDER BY a.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var at int64
		if err := rows.Scan(&a.ID, &a.UserID, &a.UserName, &a.ByUserID, &a.ByName, &a.Auto, &at); err != nil {
			return nil, err
		}
		a.At = store.Time(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// autoAssignLock is the PostgreSQL advisory lock key of automatic
// assignment ("zfassign" in ASCII).
const autoAssignLock int64 = 0x7a66617373696e67

// maxTurnTries bounds how often automatic assignment retries when another
// instance took the same agent's turn at the same moment.
const maxTurnTries = 8

// autoAssign gives new conversation id to the next agent in turn: the
// active agent (role agent, not away) with the lowest turn, ties by id.
// The turns live in the database (users.auto_assign_turn), so every
// instance follows the same order; taking a turn moves the agent past
// every other, under an advisory lock on PostgreSQL and as a
// compare-and-set on the agent's row, so no turn is taken twice. With no
// agent available the conversation stays unassigned.
func (t *Team) autoAssign(ctx context.Context, tx store.Tx, id int64) error {
	if t.svc.db.Dialect() == store.Postgres {
		// One automatic assignment at a time across instances, until
		// this transaction ends: turns taken concurrently on agents' rows
		// would otherwise wait on each other in a cycle. (SQLite has one
		// writer: its transactions already take turns.)
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, autoAssignLock); err != nil {
			return err
		}
	}
	for range maxTurnTries {
		var user, turn int64
		err := tx.QueryRow(ctx, `SELECT id, auto_assign_turn FROM users WHERE role = ? AND active AND NOT away
			ORDER BY auto_assign_turn, id LIMIT 1`, agent.RoleAgent).Scan(&user, &turn)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE users SET auto_assign_turn = (SELECT MAX(auto_assign_turn) FROM users) + 1
			WHERE id = ? AND auto_assign_turn = ?`, user, turn)
		if err != nil {
			return err
		}
		if n == 1 {
			return t.assign(ctx, tx, id, user, 0, true)
		}
	}
	return errors.New("automatic assignment: the agents' turns kept changing")
}
