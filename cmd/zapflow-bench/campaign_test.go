package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCheckOnce(t *testing.T) {
	recips := []campaignRecipient{{1, "a", "sent"}, {2, "b", "sent"}, {3, "c", "queued"}, {4, "d", "sent"}, {5, "e", "queued"}, {6, "f", "failed"}}
	c := checkOnce(recips, map[string]int{"a": 1, "b": 2, "d": 1, "z": 1})
	require.Equal(t, onceCheck{Recipients: 6, DBSent: 3, DBQueued: 2, DBFailed: 1, Sends: 5, Duplicates: 1, Missing: 0, Extra: 1, Skipped: 1}, c)
	require.False(t, c.ok())

	c = checkOnce(recips[:2], map[string]int{"a": 1})
	require.Equal(t, 1, c.Missing, "b is marked sent but never reached the sandbox")
	c = checkOnce([]campaignRecipient{{1, "a", "sent"}, {2, "b", "queued"}}, map[string]int{"a": 1})
	require.True(t, c.ok(), "a paused campaign's queued tail is not skipped")

	head := []campaignRecipient{{1, "a", "sent"}, {2, "b", "sent"}, {3, "c", "sent"}}
	c = checkOnce(head, map[string]int{"c": 1})
	require.True(t, c.MissingFirst)
	require.False(t, c.ok(), "missing, and the sandbox dropped nothing")
	c.Dropped = 10000
	require.True(t, c.ok(), "the sandbox dropped its oldest records: the head of the campaign")
	c = checkOnce(head, map[string]int{"a": 1, "c": 1})
	c.Dropped = 10000
	require.False(t, c.MissingFirst)
	require.False(t, c.ok(), "a gap in the middle is a loss, whatever the sandbox dropped")
}

func TestCampaignWindowMath(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ts []time.Time
	for i := range 100 {
		ts = append(ts, t0.Add(time.Duration(i)*12500*time.Microsecond)) // 80/s
	}
	n, rate := windowRate(ts, t0, t0.Add(time.Second))
	require.Equal(t, 80, n)
	require.InDelta(t, 80, rate, 1e-9)

	k, lat := pauseTail(ts, t0.Add(time.Second), t0.Add(2*time.Second))
	require.Equal(t, 20, k)
	require.Equal(t, 237500*time.Microsecond, lat)
	k, lat = pauseTail(ts, t0.Add(2*time.Second), t0.Add(3*time.Second))
	require.Zero(t, k)
	require.Zero(t, lat)

	require.Equal(t, 12500*time.Microsecond, maxGapOutside(ts, t0.Add(500*time.Millisecond), t0.Add(600*time.Millisecond)))
	gappy := []time.Time{t0, t0.Add(time.Second), t0.Add(5 * time.Second), t0.Add(5500 * time.Millisecond)}
	require.Equal(t, time.Second, maxGapOutside(gappy, t0.Add(2*time.Second), t0.Add(4*time.Second)), "the pause's own gap does not count")

	at := []time.Time{t0, t0.Add(500 * time.Millisecond), t0.Add(time.Second), t0.Add(1600 * time.Millisecond)}
	s := summarizeRounds(at, []int{40, 40, 40, 40}, t0, t0.Add(2*time.Second))
	require.Equal(t, roundStats{Rounds: 4, MeanEveryS: 0.5, MaxEveryS: 0.6, PerRound: 40, RatePerS: 80}, s)
}
