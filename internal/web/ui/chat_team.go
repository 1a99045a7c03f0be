package ui

import (
	"context"
	"strconv"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/messaging"
)

// chatTeam is the team's side of the open chat: its owner, who may be
// picked, the assignment history, the internal notes, and what the user
// may do about them.
type chatTeam struct {
	State     messaging.ChatState
	CanAssign bool
	Assignees []messaging.Assignee
	History   []messaging.Assignment
	Notes     []messaging.Note
	// NoteDraft and NoteProblem keep a refused note next to its field.
	NoteDraft     string
	NoteProblem   string
	AssignProblem string
}

// team is the service behind assignment, resolving and notes.
func (u *UI) team() *messaging.Team { return messaging.NewTeam(u.Messaging, u.Live) }

// loadChatTeam reads the open chat's owner, history and notes, and marks
// it read: the user has it in front of them now.
func (u *UI) loadChatTeam(ctx context.Context, d *inboxData) error {
	id := d.Current.ID
	user := userFrom(ctx)
	team := u.team()
	if err := team.MarkRead(ctx, id, user.ID); err != nil {
		return err
	}
	for i := range d.List {
		if d.List[i].ID == id {
			d.List[i].Unread = 0
		}
	}
	var err error
	if d.Team.State, err = u.Messaging.ChatState(ctx, id); err != nil {
		return err
	}
	if d.Team.History, err = team.History(ctx, id); err != nil {
		return err
	}
	if d.Team.Notes, err = team.Notes(ctx, id); err != nil {
		return err
	}
	d.Team.CanAssign = user.Can(agent.PermAssign)
	if d.Team.CanAssign {
		if d.Team.Assignees, err = team.Assignees(ctx); err != nil {
			return err
		}
	}
	return nil
}

// fmtInt and fmtID render numbers in templates.
func fmtInt(n int) string  { return strconv.Itoa(n) }
func fmtID(n int64) string { return strconv.FormatInt(n, 10) }
