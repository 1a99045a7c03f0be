// Package forward sends every inbound WhatsApp message to the business's
// own endpoint (a CRM, a spreadsheet script): webhook forwarding. It is
// not the Cloud API webhook Meta calls; it is zapflow calling out.
//
// For every new inbound message, while forwarding is on, a delivery row
// is written in the message's own transaction (InboundHook): the payload
// is a snapshot of the message as it arrived, so nothing is lost between
// the message and its delivery. A dispatcher in each process, woken after
// the commit, claims due deliveries with a lease (several processes share
// the table safely), sends them through the outbound guard, signs each
// request with the business's secret, and records every attempt.
//
// Deliveries of one conversation keep their order: only the oldest
// pending delivery of a conversation (its head) can be claimed, so a
// later one waits while an earlier one is in flight or waiting to retry.
// Timeouts, network errors, 429 and 5xx are retried with exponential
// backoff and jitter (never sooner than a Retry-After asks) for 24 hours
// from the first attempt; any other answer but 2xx fails the delivery at
// once. While forwarding is off nothing is sent or retried: pending
// deliveries are held, untouched, and go out when it is switched back on.
package forward
