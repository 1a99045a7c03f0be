package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i+1) * time.Millisecond
	}
	rand.Shuffle(len(d), func(i, j int) { d[i], d[j] = d[j], d[i] })

	s := summarize(d)
	require.Equal(t, 100, s.Count)
	require.Equal(t, 50*time.Millisecond, s.P50)
	require.Equal(t, 90*time.Millisecond, s.P90)
	require.Equal(t, 99*time.Millisecond, s.P99)
	require.Equal(t, 100*time.Millisecond, s.Max)
	require.Equal(t, 50500*time.Microsecond, s.Mean)
}

func TestPercentileNearestRank(t *testing.T) {
	sorted := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	require.Equal(t, time.Duration(5), percentile(sorted, 50))
	require.Equal(t, time.Duration(9), percentile(sorted, 90))
	require.Equal(t, time.Duration(10), percentile(sorted, 99), "rounds up: never under-reports the tail")
	require.Equal(t, time.Duration(10), percentile(sorted, 100))
	require.Equal(t, time.Duration(1), percentile(sorted, 0.1))
	require.Equal(t, time.Duration(7), percentile([]time.Duration{7}, 99))
	require.Zero(t, percentile(nil, 50))
	require.Equal(t, Latencies{}, summarize(nil))
}
