package agent

import (
	"context"

	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Settings sections of the team (rows of the settings table).
const (
	KeySupportAgents = "support_agents"
	KeyNotifications = "notifications"
)

// SupportAgentsSettings is the support agents panel.
type SupportAgentsSettings struct {
	// RestrictToAssigned: an agent sees and answers only the chats
	// assigned to them and unassigned ones (PermViewAllChats lifts it).
	RestrictToAssigned bool `json:"restrict_to_assigned"`
	// AutoAssign gives every new conversation an agent, round-robin among
	// active agents who are not away.
	AutoAssign bool `json:"auto_assign"`
}

// NotificationSettings is the notification sound panel: the admin's
// default, which each user may override (User.Sound).
type NotificationSettings struct {
	SoundDefault bool `json:"sound_default"`
}

// SupportAgents reads the support agents panel (q may be a transaction).
func SupportAgents(ctx context.Context, st *settings.Store, q store.Querier) (SupportAgentsSettings, error) {
	return settings.Get(ctx, st, q, KeySupportAgents, SupportAgentsSettings{})
}

// Notifications reads the notification sound panel.
func Notifications(ctx context.Context, st *settings.Store, q store.Querier) (NotificationSettings, error) {
	return settings.Get(ctx, st, q, KeyNotifications, NotificationSettings{SoundDefault: true})
}

// SoundOn says whether u hears an alert for new messages.
func (u User) SoundOn(n NotificationSettings) bool {
	switch u.Sound {
	case "on":
		return true
	case "off":
		return false
	}
	return n.SoundDefault
}
