// Package sandbox is a simulated WhatsApp Cloud API served by zapflow itself,
// so the product can be tried and tested without a Meta account.
//
// It mimics the real Graph API closely enough that the production client and
// webhook intake run against it unchanged: the same paths (mounted under
// /sandbox/graph/{version}/…), the same JSON shapes, the Graph error envelope
// with Meta's codes and HTTP statuses, and webhooks that are ASCII-escaped and
// signed with X-Hub-Signature-256 exactly as Meta signs them. It also enforces
// the rules that make real sends fail (token, 24-hour window, template state,
// parameter counts, throughput, sender status) so those paths get exercised.
//
// State is kept in memory: the sandbox stands in for Meta, so losing it on
// restart is expected. A small control API under /sandbox/api/ lets a person
// (or a test) play the customer and inject failures.
//
// It is a demo, never a door: its app secret, access token and verify token
// are random unless the caller passes its own (the app keeps one set per
// installation), and the control API takes only JSON addressed to loopback
// or a configured host, never a request from another origin
// (control_guard.go).
package sandbox
