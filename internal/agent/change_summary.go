package agent

import "strings"

// Audit sections of what the agent service manages (the audit log's
// "section" column, beside the settings panels').
const (
	AuditUsers   = "users"
	AuditAPIKeys = "api_keys"
)

// Summary describes an edit of user for the audit log: which fields it
// set, with the new role, permissions and state spelled out; a password
// only as "password reset", never its value.
func (c UserChange) Summary(user User) string {
	var parts []string
	if c.Name != nil {
		parts = append(parts, "name")
	}
	if c.Role != nil {
		parts = append(parts, "role → "+*c.Role)
	}
	if c.Permissions != nil {
		parts = append(parts, "permissions → "+orNone(strings.Join(*c.Permissions, ", ")))
	}
	if c.Active != nil {
		if *c.Active {
			parts = append(parts, "reactivated")
		} else {
			parts = append(parts, "deactivated")
		}
	}
	if c.Away != nil {
		parts = append(parts, "away → "+map[bool]string{true: "yes", false: "no"}[*c.Away])
	}
	if c.Password != nil {
		parts = append(parts, "password reset")
	}
	if c.Locale != nil {
		parts = append(parts, "language")
	}
	if c.Sound != nil {
		parts = append(parts, "sound")
	}
	if len(parts) == 0 {
		return ""
	}
	return "edited user " + user.Email + ": " + strings.Join(parts, "; ")
}

// AddedSummary describes a new user for the audit log.
func AddedSummary(u User) string {
	s := "created user " + u.Email + " (" + u.Role
	if len(u.Permissions) > 0 {
		s += "; " + strings.Join(u.Permissions, ", ")
	}
	return s + ")"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
