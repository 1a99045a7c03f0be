package messaging

import (
	"sync"

	"github.com/zapflow/zapflow/internal/phone"
)

// phoneCacheMax bounds the cache; when full it starts over, which is
// cheaper than tracking recency and costs one parse per number after.
const phoneCacheMax = 50_000

// phoneCache remembers normalised numbers: libphonenumber's parse runs a
// dozen regular expressions, and a campaign or a flow sends to the same
// numbers again and again, inside the write transaction.
type phoneCache struct {
	mu sync.Mutex
	m  map[[2]string]phoneResult
}

type phoneResult struct {
	e164 string
	err  error
}

func (c *phoneCache) normalize(raw, region string) (string, error) {
	key := [2]string{raw, region}
	c.mu.Lock()
	r, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return r.e164, r.err
	}
	e164, err := phone.Normalize(raw, region)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= phoneCacheMax {
		c.m = make(map[[2]string]phoneResult)
	}
	c.m[key] = phoneResult{e164, err}
	c.mu.Unlock()
	return e164, err
}
