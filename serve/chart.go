package serve

import (
	"fmt"
	"strings"
	"time"
)

// series is one line of a chart.
type series struct {
	Name   string
	Class  string // CSS class: the line's colour
	Points []point
}

type point struct {
	T     time.Time
	V     int
	RunID int64
	Label string // the point's tooltip
}

// chart is an SVG line chart laid out here, so the template only writes
// numbers this code formatted and text html/template escapes.
type chart struct {
	Title         string
	Width, Height int
	Left, Top     int
	Right, Bottom int // plot area edges
	Lines         []chartLine
	YTicks        []tick
	XTicks        []tick
	Legend        []legendItem
	Empty         bool
}

type chartLine struct {
	Class  string
	Points string // "x,y x,y ..."
	Dots   []dot
}

type dot struct {
	X, Y  string
	Href  string
	Label string
}

type tick struct {
	Pos   string
	Label string
}

type legendItem struct {
	Class, Name         string
	RectX, RectY, TextX int
	Y                   int
}

const (
	chartW, chartH = 880, 280
	padL, padR     = 48, 200 // the legend sits on the right
	padT, padB     = 16, 36
)

func newChart(title string, ss []series) chart {
	c := chart{Title: title, Width: chartW, Height: chartH, Left: padL, Top: padT, Right: chartW - padR, Bottom: chartH - padB}
	var tmin, tmax time.Time
	vmax, n := 0, 0
	for _, s := range ss {
		for _, p := range s.Points {
			if n == 0 || p.T.Before(tmin) {
				tmin = p.T
			}
			if n == 0 || p.T.After(tmax) {
				tmax = p.T
			}
			vmax = max(vmax, p.V)
			n++
		}
	}
	if n == 0 {
		c.Empty = true
		return c
	}
	top := niceMax(vmax)
	span := tmax.Sub(tmin)
	xOf := func(t time.Time) float64 {
		if span <= 0 {
			return float64(c.Left+c.Right) / 2
		}
		return float64(c.Left) + float64(c.Right-c.Left)*float64(t.Sub(tmin))/float64(span)
	}
	yOf := func(v int) float64 {
		return float64(c.Bottom) - float64(c.Bottom-c.Top)*float64(v)/float64(top)
	}
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		c.YTicks = append(c.YTicks, tick{Pos: num(yOf(v)), Label: fmt.Sprint(v)})
	}
	// Dates, or times of day when the runs lie within two days.
	layout := "2006-01-02"
	if span < 48*time.Hour {
		layout = "01-02 15:04"
	}
	if span <= 0 {
		c.XTicks = append(c.XTicks, tick{Pos: num(xOf(tmin)), Label: tmin.UTC().Format(layout)})
	} else {
		for i := 0; i <= 4; i++ {
			t := tmin.Add(span * time.Duration(i) / 4)
			c.XTicks = append(c.XTicks, tick{Pos: num(xOf(t)), Label: t.UTC().Format(layout)})
		}
	}
	for i, s := range ss {
		l := chartLine{Class: s.Class}
		var pts []string
		for _, p := range s.Points {
			x, y := num(xOf(p.T)), num(yOf(p.V))
			pts = append(pts, x+","+y)
			l.Dots = append(l.Dots, dot{X: x, Y: y, Href: fmt.Sprintf("/runs/%d", p.RunID), Label: p.Label})
		}
		l.Points = strings.Join(pts, " ")
		c.Lines = append(c.Lines, l)
		if i < 12 {
			y := c.Top + 8 + 18*i
			c.Legend = append(c.Legend, legendItem{Class: s.Class, Name: s.Name, RectX: c.Right + 16, RectY: y - 2, TextX: c.Right + 34, Y: y})
		}
	}
	return c
}

// niceMax rounds v up to a value whose quarters are whole numbers.
func niceMax(v int) int {
	if v <= 4 {
		return 4
	}
	step := 1
	for step*10 < v {
		step *= 10
	}
	top := (v + step - 1) / step * step
	for top%4 != 0 {
		top += step
	}
	return top
}

func num(f float64) string { return fmt.Sprintf("%.1f", f) }
