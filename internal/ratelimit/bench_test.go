package ratelimit

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// tickClock advances a fixed step on every Now, so a benchmark sees time
// pass at a realistic pace relative to the calls it makes.
type tickClock struct {
	base time.Time
	n    atomic.Int64
	step time.Duration
}

func (c *tickClock) Now() time.Time {
	return c.base.Add(time.Duration(c.n.Add(1)) * c.step)
}

// BenchmarkReserve books slots for many senders at Meta's default 80/s with
// simulated time advancing at the senders' combined capacity, so pair
// buckets pile up and idle sweeps run as in production. "small" keeps the
// pair buckets in cache; "large" (200 senders x 20,000 recipients, millions
// of live pair buckets, like a big broadcast) is bound by memory latency.
func BenchmarkReserve(b *testing.B) {
	b.Run("small", func(b *testing.B) { benchReserve(b, 20, 500) })
	b.Run("large", func(b *testing.B) { benchReserve(b, 200, 20000) })
}

func benchReserve(b *testing.B, senders, recipients uint64) {
	names := make([]string, recipients)
	for i := range names {
		names[i] = "+55119" + strconv.Itoa(10000000+i)
	}
	b.Run("serial", func(b *testing.B) {
		clk := &tickClock{base: time.Now(), step: time.Second / time.Duration(senders*80)}
		l := New(Options{Headroom: NoHeadroom, Clock: clk})
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			i++
			h := i * 0x9E3779B97F4A7C15
			l.Reserve(int64(h%senders), 80, names[(h>>20)%recipients])
		}
	})
	b.Run("parallel", func(b *testing.B) {
		clk := &tickClock{base: time.Now(), step: time.Second / time.Duration(senders*80)}
		l := New(Options{Headroom: NoHeadroom, Clock: clk})
		var seed atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := seed.Add(1) << 40
			for pb.Next() {
				i++
				h := i * 0x9E3779B97F4A7C15
				l.Reserve(int64(h%senders), 80, names[(h>>20)%recipients])
			}
		})
	})
}
