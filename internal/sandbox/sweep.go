package sandbox

import "time"

// minSweepAt is how many per-customer entries the sandbox holds before its
// first sweep.
const minSweepAt = 4096

// The sandbox lives as long as zapflow does and keeps three things per
// customer: the customer service window, the pricing conversation and the
// pair rate bucket. Each stops mattering after a while (a window closed 24
// hours after the customer's last message, a conversation past its
// expiry, a bucket refilled to its burst, which is what a new one holds),
// and dropping it then changes no answer. Without that every customer
// ever seen stayed in memory.
//
// sweepLocked runs when the three maps together have doubled since the
// last sweep, so each entry is visited a bounded number of times however
// many customers come and go.
func (s *Sandbox) sweepLocked(now time.Time) {
	n := len(s.windows) + len(s.convs)
	for _, snd := range s.senders {
		n += len(snd.pairs)
	}
	if n < max(s.sweepAt, minSweepAt) {
		return
	}
	for k, last := range s.windows {
		if now.Sub(last) >= windowTTL {
			delete(s.windows, k)
			n--
		}
	}
	for k, c := range s.convs {
		if !now.Before(c.expires) {
			delete(s.convs, k)
			n--
		}
	}
	for _, snd := range s.senders {
		for waID, b := range snd.pairs {
			if b.allows(now) && b.tokens >= pairBurst {
				delete(snd.pairs, waID)
				n--
			}
		}
	}
	s.sweepAt = 2 * n
}
