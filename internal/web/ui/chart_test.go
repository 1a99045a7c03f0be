package ui

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBarChartScalesToTheLargestValue lays out two series over three
// groups: the largest value fills the plot, a zero draws nothing, a tiny
// value still shows, and each bar's title names its group, series and
// value.
func TestBarChartScalesToTheLargestValue(t *testing.T) {
	c := newBarChart("Messages", []string{"01/10", "02/10", "03/10"},
		[]chartSeries{{Name: "in", Class: "in"}, {Name: "out", Class: "out"}},
		[][]int{{100, 0, 1}, {50, 200, 1000}})
	require.Equal(t, 1000, c.Max)
	require.Len(t, c.Bars, 6)
	plot := chartHeight - chartTop - chartBottom
	byTitle := map[string]chartBar{}
	for _, b := range c.Bars {
		byTitle[b.Title] = b
		require.Equal(t, chartTop+plot, b.Y+b.H, "every bar stands on the axis")
	}
	require.Equal(t, plot, byTitle["03/10 · out: 1000"].H)
	require.Equal(t, plot/5, byTitle["02/10 · out: 200"].H)
	require.Zero(t, byTitle["02/10 · in: 0"].H)
	require.Equal(t, 1, byTitle["03/10 · in: 1"].H, "a small value still shows")
	require.Less(t, byTitle["01/10 · in: 100"].X, byTitle["01/10 · out: 50"].X, "series side by side in a group")
	require.Less(t, byTitle["01/10 · out: 50"].X, byTitle["02/10 · in: 0"].X, "groups left to right")
	require.Len(t, c.Labels, 3)
}

// TestBarChartThinsLongLabelRows keeps at most about a dozen labels.
func TestBarChartThinsLongLabelRows(t *testing.T) {
	labels := make([]string, 90)
	for i := range labels {
		labels[i] = "d"
	}
	c := newBarChart("90 days", labels, []chartSeries{{Name: "x"}}, [][]int{make([]int, 90)})
	require.LessOrEqual(t, len(c.Labels), 13)
	require.Zero(t, c.Max)
	for _, b := range c.Bars {
		require.Zero(t, b.H, "no data, no bars")
	}
}
