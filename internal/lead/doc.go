// Package lead keeps leads (F18): a contact the team works on, with a
// status (new → closed), a source from a managed list, an assigned agent,
// notes, tags, custom fields and the history of its status.
//
// A contact has at most one open lead (status not closed). The database
// enforces it with a partial unique index, and every creation is an
// INSERT … ON CONFLICT DO NOTHING, so automatic capture from inbound
// messages creates exactly one lead however many deliveries of the first
// message arrive, on any number of instances. Closing a lead lets the
// contact's next message open a new one.
//
// The service checks input, not permissions: the web layer decides who
// may view, edit (agent.PermManageLeads) and assign (agent.PermAssign).
package lead
