package main

import (
	"time"
)

// onceCheck compares what the sandbox received for a campaign with the
// campaign's recipient list: each recipient the server marked sent must
// have been sent exactly once, nobody else may have been, and, as
// recipients are released in id order, no recipient still queued may sit
// before the last one sent (a pause and resume skipped nobody).
type onceCheck struct {
	Recipients int `json:"recipients"`
	DBSent     int `json:"db_sent"`
	DBQueued   int `json:"db_queued"`
	DBFailed   int `json:"db_failed"`
	Sends      int `json:"sandbox_sends"`
	Duplicates int `json:"duplicates"` // sends beyond the first to one recipient
	Missing    int `json:"missing"`    // marked sent, never reached the sandbox
	Extra      int `json:"extra"`      // reached the sandbox, not marked sent
	Skipped    int `json:"skipped"`    // still queued behind the last one sent
	// MissingFirst: every missing recipient was released before every
	// one found, as when the sandbox dropped its oldest records.
	MissingFirst bool `json:"missing_first"`
	// Dropped is how many of its oldest records the sandbox dropped
	// during the run (it keeps 100,000 and then drops the oldest tenth).
	Dropped int `json:"sandbox_dropped"`
}

// ok: none twice, none skipped, nobody extra, and nothing missing but
// what the sandbox dropped from the head of its record.
func (c onceCheck) ok() bool {
	lost := c.Missing > 0 && (!c.MissingFirst || c.Missing > c.Dropped)
	return c.Duplicates == 0 && !lost && c.Extra == 0 && c.Skipped == 0
}

// checkOnce builds the check from the recipients (in id order) and the
// sandbox's sends per wa_id during the campaign.
func checkOnce(recips []campaignRecipient, sent map[string]int) onceCheck {
	c := onceCheck{Recipients: len(recips)}
	marked := make(map[string]bool, len(recips))
	var frontier int64 // highest id sent
	for _, r := range recips {
		switch r.State {
		case "sent":
			c.DBSent++
			marked[r.WaID] = true
			frontier = max(frontier, r.ID)
			if sent[r.WaID] == 0 {
				c.Missing++
			}
		case "queued":
			c.DBQueued++
		case "failed":
			c.DBFailed++
		}
	}
	var lastMissing, firstFound int64 = 0, -1
	for _, r := range recips {
		if r.State == "queued" && r.ID < frontier {
			c.Skipped++
		}
		if r.State == "sent" {
			if sent[r.WaID] == 0 {
				lastMissing = r.ID
			} else if firstFound < 0 {
				firstFound = r.ID
			}
		}
	}
	c.MissingFirst = c.Missing > 0 && (firstFound < 0 || lastMissing < firstFound)
	for wa, n := range sent {
		c.Sends += n
		if n > 1 {
			c.Duplicates += n - 1
		}
		if !marked[wa] {
			c.Extra += n
		}
	}
	return c
}

// windowRate is the number of sorted times in [from, to) per second of it.
func windowRate(sorted []time.Time, from, to time.Time) (n int, perS float64) {
	if !to.After(from) {
		return 0, 0
	}
	for _, t := range sorted {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n, float64(n) / to.Sub(from).Seconds()
}

// pauseTail is what a pause let through: the sends in [pause, resume)
// and how long after the pause request the last of them came (0: none).
func pauseTail(sorted []time.Time, pause, resume time.Time) (n int, latency time.Duration) {
	for _, t := range sorted {
		if !t.Before(pause) && t.Before(resume) {
			n++
			latency = max(latency, t.Sub(pause))
		}
	}
	return n, latency
}

// roundStats summarises the runner's release rounds in [from, to): how
// many, their mean and largest spacing, and the release rate they add
// up to.
type roundStats struct {
	Rounds     int     `json:"rounds"`
	MeanEveryS float64 `json:"mean_every_s"`
	MaxEveryS  float64 `json:"max_every_s"`
	PerRound   float64 `json:"mean_per_round"`
	RatePerS   float64 `json:"release_rate"`
}

func summarizeRounds(at []time.Time, n []int, from, to time.Time) roundStats {
	var s roundStats
	var prev time.Time
	total := 0
	for i, t := range at {
		if t.Before(from) || !t.Before(to) {
			continue
		}
		s.Rounds++
		total += n[i]
		if !prev.IsZero() {
			s.MaxEveryS = max(s.MaxEveryS, t.Sub(prev).Seconds())
		}
		prev = t
	}
	if s.Rounds > 0 {
		s.PerRound = float64(total) / float64(s.Rounds)
		s.MeanEveryS = to.Sub(from).Seconds() / float64(s.Rounds)
		s.RatePerS = float64(total) / to.Sub(from).Seconds()
	}
	return s
}
