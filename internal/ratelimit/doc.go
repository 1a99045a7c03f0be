// Package ratelimit paces zapflow's outbound WhatsApp messages so that Meta's
// Cloud API never has to throttle them.
//
// Meta enforces two limits that matter for sending:
//
//   - Throughput per business phone number (the "sender"): 80 messages/s by
//     default, configurable per sender in zapflow. Exceeding it returns error
//     130429 and Meta expects the whole number to back off.
//   - A pair limit per (sender, recipient): roughly one message every 6 s,
//     with bursts of up to 45. Exceeding it returns error 131056 for that
//     recipient only.
//
// A [Limiter] hands out send slots instead of blocking: [Limiter.Reserve]
// books the next slot and returns how long the caller must wait, so a job
// queue can snooze a job rather than park a goroutine, while concurrent callers
// are still spaced correctly because the booking counts immediately.
// [Limiter.Backoff] and [Limiter.BackoffPair] feed Meta's throttling answers
// back into the schedule, and [Limiter.Wait] is the blocking convenience for
// in-process callers.
//
// Each sender is a token bucket in its GCRA ("virtual scheduling") form, with
// a burst of 1 by default: sends are booked evenly spaced, at 1% under the
// rate (Options.Headroom). Booking is not sending, though: a send whose
// goroutine wakes late would land next to on-time ones, so [Limiter.Admit]
// gates each call right before it is made on a log of the sender's last
// rate calls, and a simulator (or Meta) counting sends per sliding 1-second
// window never sees more than rate of them (gate.go). Messages held back by a recipient's pair limit are
// booked at their later time without stalling the rest of the sender's
// traffic; the sender-wide schedule fills the gaps around them, so every
// message, early or late, is counted against the sender's throughput.
//
// Time comes from an injected [Clock], so tests never sleep.
package ratelimit
