package ratelimit

import "time"

// Defaults for Options, taken from Meta's documented Cloud API limits.
const (
	// DefaultPairRate is Meta's sustained pair rate: about one message per
	// 6 seconds to the same recipient from the same business number.
	DefaultPairRate = 1.0 / 6
	// DefaultPairBurst is how many messages Meta lets through to one
	// recipient in a burst before the pair rate applies.
	DefaultPairBurst = 45
	// DefaultBurst is the per-sender burst. 1 means sends are evenly spaced:
	// any larger burst would let a 1-second window hold more than rate sends.
	DefaultBurst = 1
	// DefaultHeadroom is how far below the configured rate slots are
	// booked, so that sends delayed by scheduling still leave every
	// one-second window within the rate (gate.go). 1% keeps the average
	// well within Meta's and zapflow's 2% tolerance.
	DefaultHeadroom = 0.01
	// NoHeadroom, as Options.Headroom, books at exactly the rate (tests
	// that check exact spacing).
	NoHeadroom = -1.0
	// DefaultIdleTTL is how long an idle pair bucket is remembered.
	DefaultIdleTTL = 10 * time.Minute
	// NoPairLimit, as Options.PairRate, disables the per-recipient limit
	// (the zero value means DefaultPairRate, so forgetting to set the field
	// can never silently switch Meta's pair limit off).
	NoPairLimit = -1.0
)

// Options configures a Limiter. The zero value gives Meta's defaults.
type Options struct {
	// Clock is the time source; nil means real time.
	Clock Clock
	// PairRate is the per-recipient sustained rate in messages/second.
	// 0 means DefaultPairRate; a negative value (NoPairLimit) disables the
	// pair limit. BackoffPair is honoured either way.
	PairRate float64
	// PairBurst is the per-recipient burst; <= 0 means DefaultPairBurst.
	PairBurst int
	// Burst is the per-sender burst; <= 0 means DefaultBurst.
	Burst int
	// Headroom is the fraction below the rate at which slots are booked;
	// the admission gate's window is one second plus half of it. 0 means
	// DefaultHeadroom; a negative value (NoHeadroom) means none. Values of
	// 0.1 and more are taken as 0.1.
	Headroom float64
	// IdleTTL bounds memory: a pair bucket unused for this long (and no
	// longer holding anything back) is forgotten, which is harmless because a
	// fresh bucket behaves identically. <= 0 means DefaultIdleTTL.
	IdleTTL time.Duration
}

// withDefaults fills in the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.PairRate == 0 {
		o.PairRate = DefaultPairRate
	}
	if o.PairBurst <= 0 {
		o.PairBurst = DefaultPairBurst
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	switch {
	case o.Headroom == 0:
		o.Headroom = DefaultHeadroom
	case o.Headroom < 0:
		o.Headroom = 0
	case o.Headroom > 0.1:
		o.Headroom = 0.1
	}
	if o.IdleTTL <= 0 {
		o.IdleTTL = DefaultIdleTTL
	}
	return o
}
