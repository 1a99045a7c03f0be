package ui

import (
	"strconv"
)

// Charts are drawn by the server as inline SVG: no script, no library,
// readable by screen readers through each bar's title and the numbers
// printed beside the chart. A chart is computed here (pure, tested) and
// drawn by barChartView.

// barChart is a grouped bar chart: one group per label (a day, a source),
// one bar per series in each group.
type barChart struct {
	Title  string
	Width  int
	Height int
	Bars   []chartBar
	Labels []chartLabel // under the groups
	Max    int          // the value of the top of the scale
	Series []chartSeries
}

type chartBar struct {
	X, Y, W, H int
	Class      string
	Title      string // "label · series: value"
}

type chartLabel struct {
	X    int
	Text string
}

type chartSeries struct {
	Name  string
	Class string
}

// Chart geometry, in SVG user units.
const (
	chartHeight = 160
	chartTop    = 10 // room above the tallest bar
	chartBottom = 20 // room for the labels
	chartGroupW = 36
	chartGap    = 8
)

// newBarChart lays out values[s][g] (series s, group g) as bars scaled to
// the largest value. Labels longer than a group are shown every few
// groups so they do not overlap.
func newBarChart(title string, labels []string, series []chartSeries, values [][]int) barChart {
	c := barChart{Title: title, Height: chartHeight, Series: series, Width: max(len(labels), 1)*chartGroupW + chartGap}
	for _, vs := range values {
		for _, v := range vs {
			c.Max = max(c.Max, v)
		}
	}
	plot := chartHeight - chartTop - chartBottom
	barW := max((chartGroupW-chartGap)/max(len(series), 1), 1)
	every := max(1, (len(labels)*chartGroupW)/(12*chartGroupW)) // at most ~12 labels
	for g, label := range labels {
		x0 := chartGap + g*chartGroupW
		for s, ser := range series {
			v := 0
			if s < len(values) && g < len(values[s]) {
				v = values[s][g]
			}
			h := 0
			if c.Max > 0 {
				h = v * plot / c.Max
			}
			if v > 0 && h == 0 {
				h = 1 // a small value still shows
			}
			c.Bars = append(c.Bars, chartBar{X: x0 + s*barW, Y: chartTop + plot - h, W: barW - 1, H: h, Class: ser.Class,
				Title: label + " · " + ser.Name + ": " + strconv.Itoa(v)})
		}
		if g%every == 0 {
			c.Labels = append(c.Labels, chartLabel{X: x0, Text: label})
		}
	}
	return c
}

// labelY is where the group labels sit.
func (c barChart) labelY() int { return c.Height - 5 }

func itoa(n int) string { return strconv.Itoa(n) }
