// Package netguard is the one way zapflow reaches a URL a user can
// configure (flow http_request steps, the AI base URL, an account's Graph
// URL, and every outbound URL added later). Its HTTP client refuses to
// connect to loopback, private, link-local, unique-local, unspecified,
// multicast and other non-public addresses, so a flow or a setting cannot
// be used to reach the server's own network (SSRF).
//
// The address check runs in the dialer's Control hook, on the IP address
// actually being connected to after DNS resolution: a name that resolves
// (or re-resolves, DNS rebinding) to an internal address is refused before
// any packet is sent. Every redirect is a new round trip through the same
// checks. Only http and https are spoken, and no environment proxy is used
// (a proxy would hide the destination from the check).
//
// Exceptions are explicit: the operator's allowlist (ZAPFLOW_OUTBOUND_ALLOW:
// CIDRs, addresses and host names) and the server's own listen address,
// which internal/app passes in so the built-in sandbox is reached over
// loopback without switching the guard off.
package netguard
