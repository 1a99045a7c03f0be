package campaign

import "fmt"

// AuditSection is the audit log section of campaigns: who started,
// paused, resumed, cancelled or deleted which campaign, and when.
const AuditSection = "campaigns"

// AuditLine is the audit log's line for verb done to c.
func AuditLine(verb string, c Campaign) string {
	return fmt.Sprintf("%s campaign %q (#%d)", verb, c.Name, c.ID)
}
