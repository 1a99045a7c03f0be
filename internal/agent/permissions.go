package agent

import "slices"

// Permissions an admin grants an agent. Admins have them all.
const (
	PermManageSettings = "manage_settings"     // settings pages and APIs
	PermManageUsers    = "manage_users"        // create, edit, deactivate users
	PermManageLeads    = "manage_leads"        // edit leads
	PermAssign         = "assign"              // assign and reassign chats and leads
	PermViewAllChats   = "view_all_chats"      // see chats assigned to others when chats are restricted
	PermViewStatus     = "view_status_updates" // see delivery statuses and sender health
)

// AllPermissions lists every permission, in the order pages show them.
var AllPermissions = []string{PermManageSettings, PermManageUsers, PermManageLeads, PermAssign, PermViewAllChats, PermViewStatus}

// Can reports whether u has permission p.
func (u User) Can(p string) bool {
	return u.Role == RoleAdmin || slices.Contains(u.Permissions, p)
}
