package ratelimit

import (
	"math"
	"time"
)

// DefaultRate is Meta's default throughput per business phone number, used
// when a sender's configured rate is missing (zero, negative or NaN): an
// unconfigured sender must still be paced, never unlimited.
const DefaultRate = 80.0

// maxInterval caps the spacing between two sends (a rate below one message a
// day is a misconfiguration) so that schedule arithmetic cannot overflow.
const maxInterval = int64(24 * time.Hour)

// interval converts a rate in messages/second into the spacing between two
// sends in nanoseconds, the unit the schedules work in. Rounding to whole
// nanoseconds keeps schedules exact for the usual rates (50/s is exactly
// 20ms); +Inf gives 0, i.e. no spacing.
func interval(rate float64) int64 {
	if !(rate > 0) {
		rate = DefaultRate
	}
	ns := math.Round(float64(time.Second) / rate)
	if ns >= float64(maxInterval) {
		return maxInterval
	}
	return int64(ns)
}
