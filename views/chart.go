package views

import "strconv"

// The chart's drawing area, in SVG user units.
const (
	chartWidth  = 720
	chartHeight = 220
	chartLeft   = 40 // room for the scale
	chartBottom = 24 // room for the dates
	chartTop    = 8
	chartRight  = 24 // room for the last date's label
)

// chartRect is one coloured part of a day's bar.
type chartRect struct {
	X, Y, W, H string
	Color      string
	Title      string
}

// chartTick is a label along an axis.
type chartTick struct {
	X, Y  string
	Label string
}

func chartNum(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func chartPlotHeight() float64 { return chartHeight - chartBottom - chartTop }

// chartRects stacks each day's counts, bottom up, in series order.
func chartRects(c Chart) []chartRect {
	if c.Max == 0 || len(c.Days) == 0 {
		return nil
	}
	slot := float64(chartWidth-chartLeft) / float64(len(c.Days))
	scale := chartPlotHeight() / float64(c.Max)
	var out []chartRect
	for i, d := range c.Days {
		x := chartLeft + float64(i)*slot + slot*0.15
		base := float64(chartHeight - chartBottom)
		for j, n := range d.Counts {
			if n == 0 {
				continue
			}
			h := float64(n) * scale
			base -= h
			out = append(out, chartRect{
				X: chartNum(x), Y: chartNum(base), W: chartNum(slot * 0.7), H: chartNum(h),
				Color: c.Series[j].Color,
				Title: d.Label + ": " + strconv.Itoa(n) + " " + c.Series[j].Type,
			})
		}
	}
	return out
}

// chartDates labels every seventh day, counted back from the last.
func chartDates(c Chart) []chartTick {
	if len(c.Days) == 0 {
		return nil
	}
	slot := float64(chartWidth-chartLeft) / float64(len(c.Days))
	var out []chartTick
	for i := len(c.Days) - 1; i >= 0; i -= 7 {
		out = append(out, chartTick{
			X:     chartNum(chartLeft + float64(i)*slot + slot/2),
			Y:     chartNum(chartHeight - 6),
			Label: c.Days[i].Label,
		})
	}
	return out
}

// chartScale labels zero and the tallest day.
func chartScale(c Chart) []chartTick {
	return []chartTick{
		{X: chartNum(chartLeft - 6), Y: chartNum(chartHeight - chartBottom), Label: "0"},
		{X: chartNum(chartLeft - 6), Y: chartNum(chartTop + 10), Label: strconv.Itoa(c.Max)},
	}
}

func chartViewBox() string {
	return "0 0 " + strconv.Itoa(chartWidth+chartRight) + " " + strconv.Itoa(chartHeight)
}

func chartBaseline() string { return strconv.Itoa(chartHeight - chartBottom) }

// chartSummary is the chart's description for screen readers.
func chartSummary(c Chart) string {
	total := 0
	for _, s := range c.Series {
		total += s.Total
	}
	return strconv.Itoa(total) + " notifications over " + strconv.Itoa(len(c.Days)) +
		" days, in " + strconv.Itoa(len(c.Series)) + " types; the busiest day had " +
		strconv.Itoa(c.Max) + "."
}
