package dashboard

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketify/ticketify/projections/analytics"
)

// chart is one server-rendered SVG chart: no script, readable without CSS,
// with a data table next to it for screen readers.
type chart struct {
	Title string
	SVG   template.HTML
}

// series is one line or set of bars.
type series struct {
	Name   string
	Class  string
	Values []float64
}

const (
	chartW, chartH = 720, 220
	padL, padR     = 48, 12
	padT, padB     = 12, 28
)

func charts(days []analytics.Day) []chart {
	labels := make([]string, len(days))
	opened, closed, backlog := make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days))
	first, firstP90, inHours := make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days))
	resolve, resolveP90, rating := make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days))
	auto := make([]float64, len(days))
	var stars [5]float64
	// A day without any of a measure is a gap in its line, not a zero.
	orGap := func(p analytics.Percentiles, v int64, unit float64) float64 {
		if p.Count == 0 {
			return math.NaN()
		}
		return float64(v) / unit
	}
	for i, d := range days {
		labels[i] = d.Day
		opened[i], closed[i], backlog[i] = float64(d.Opened), float64(d.Closed), float64(d.Backlog)
		first[i], firstP90[i] = orGap(d.FirstResp, d.FirstResp.Median, 60000), orGap(d.FirstResp, d.FirstResp.P90, 60000)
		inHours[i] = orGap(d.FirstRespInHours, d.FirstRespInHours.Median, 60000)
		resolve[i], resolveP90[i] = orGap(d.Resolve, d.Resolve.Median, 3600000), orGap(d.Resolve, d.Resolve.P90, 3600000)
		rating[i] = math.NaN()
		if d.Ratings.Count > 0 {
			rating[i] = d.Ratings.Average
		}
		for _, n := range d.AutoClosed {
			auto[i] += float64(n)
		}
		for s, n := range d.Ratings.Distribution {
			stars[s] += float64(n)
		}
	}
	cmds := summarize(days).Commands
	names := make([]string, 0, len(cmds))
	for k := range cmds {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if cmds[a] != cmds[b] {
			return cmds[b] - cmds[a]
		}
		return strings.Compare(a, b)
	})
	counts := make([]float64, len(names))
	for i, n := range names {
		counts[i] = float64(cmds[n])
	}
	return []chart{
		{"Tickets opened and closed per day (closed automatically among them)", bars("opened-closed", labels,
			series{"opened", "s1", opened}, series{"closed", "s2", closed}, series{"closed automatically", "s3", auto})},
		{"Open backlog at the end of each day", line("backlog", labels, true, series{"backlog", "s3", backlog})},
		{"First response (minutes): median, 90th percentile, median within support hours", line("first-response", labels, false,
			series{"median", "s4", first}, series{"p90", "s1", firstP90}, series{"median within hours", "s2", inHours})},
		{"Resolution (hours): median and 90th percentile", line("resolution", labels, false,
			series{"median", "s5", resolve}, series{"p90", "s1", resolveP90})},
		{"Average rating per day (1–5)", line("rating", labels, false, series{"average", "s4", rating})},
		{"Ratings in this range, by stars", hbars("ratings", []string{"★", "★★", "★★★", "★★★★", "★★★★★"}, stars[:])},
		{"Commands and buttons used", hbars("commands", names, counts)},
	}
}

func maxOf(ss ...series) float64 {
	m := 0.0
	for _, s := range ss {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				m = max(m, v)
			}
		}
	}
	if m == 0 {
		return 1
	}
	return m
}

// niceMax rounds a chart's top up to 1, 2 or 5 × a power of ten.
func niceMax(m float64) float64 {
	p := 1.0
	for p*10 <= m {
		p *= 10
	}
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= m {
			return f * p
		}
	}
	return 10 * p
}

func frame(b *bytes.Buffer, id string, top float64, labels []string) {
	fmt.Fprintf(b, `<svg viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" class="chart" id="chart-%s">`, chartW, chartH, id, id)
	for i := 0; i <= 4; i++ {
		y := padT + (chartH-padT-padB)*(4-i)/4
		v := top * float64(i) / 4
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%d" y2="%d"/><text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`,
			padL, chartW-padR, y, y, padL-6, y+4, num(v))
	}
	if n := len(labels); n > 0 {
		step := max(1, n/6)
		for i := 0; i < n; i += step {
			x := xAt(i, n)
			fmt.Fprintf(b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, chartH-8, template.HTMLEscapeString(shortDay(labels[i])))
		}
	}
}

func shortDay(d string) string {
	if len(d) == 10 {
		return d[5:]
	}
	return d
}

func num(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func xAt(i, n int) float64 {
	w := float64(chartW - padL - padR)
	return float64(padL) + w*(float64(i)+0.5)/float64(n)
}

func yAt(v, top float64) float64 {
	h := float64(chartH - padT - padB)
	return float64(padT) + h*(1-v/top)
}

// countTop is a count chart's top: at least 4, so its ticks are whole.
func countTop(ss ...series) float64 { return max(niceMax(maxOf(ss...)), 4) }

func bars(id string, labels []string, ss ...series) template.HTML {
	var b bytes.Buffer
	top := countTop(ss...)
	frame(&b, id, top, labels)
	n := len(labels)
	slot := float64(chartW-padL-padR) / float64(max(n, 1))
	bw := slot * 0.8 / float64(len(ss))
	for si, s := range ss {
		for i, v := range s.Values {
			x := float64(padL) + slot*float64(i) + slot*0.1 + bw*float64(si)
			y := yAt(v, top)
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" data-day="%s" data-series="%s" data-value="%s"><title>%s %s: %s</title></rect>`,
				s.Class, x, y, bw, float64(chartH-padB)-y, labels[i], s.Name, num(v), labels[i], s.Name, num(v))
		}
	}
	legend(&b, ss...)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // numbers, escaped labels and fixed markup
}

func line(id string, labels []string, counts bool, ss ...series) template.HTML {
	var b bytes.Buffer
	top := niceMax(maxOf(ss...))
	if counts {
		top = countTop(ss...)
	}
	frame(&b, id, top, labels)
	for _, s := range ss {
		// One polyline per run of days with a value: a gap where there is none.
		var pts []string
		flush := func() {
			if len(pts) > 0 {
				fmt.Fprintf(&b, `<polyline class="%s line" points="%s"/>`, s.Class, strings.Join(pts, " "))
			}
			pts = nil
		}
		for i, v := range s.Values {
			if math.IsNaN(v) {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i, len(s.Values)), yAt(v, top)))
		}
		flush()
		for i, v := range s.Values {
			if math.IsNaN(v) {
				continue
			}
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="2.5" data-day="%s" data-series="%s" data-value="%s"><title>%s %s: %s</title></circle>`,
				s.Class, xAt(i, len(s.Values)), yAt(v, top), labels[i], s.Name, num(v), labels[i], s.Name, num(v))
		}
	}
	legend(&b, ss...)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // numbers, escaped labels and fixed markup
}

// hbars is a horizontal bar per name.
func hbars(id string, names []string, values []float64) template.HTML {
	var b bytes.Buffer
	rows := max(len(names), 1)
	h := 24*rows + 8
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" class="chart" id="chart-%s">`, chartW, h, id)
	if len(names) == 0 {
		b.WriteString(`<text class="axis" x="10" y="20">No commands used in this range.</text>`)
	}
	top := niceMax(maxOf(series{Values: values}))
	for i, n := range names {
		y := 4 + 24*i
		w := float64(chartW-220-padR) * values[i] / top
		name := template.HTMLEscapeString(n)
		fmt.Fprintf(&b, `<text class="axis" x="200" y="%d" text-anchor="end">%s</text><rect class="s1" x="210" y="%d" width="%.1f" height="16" data-series="%s" data-value="%s"><title>%s: %s</title></rect><text class="axis" x="%.1f" y="%d">%s</text>`,
			y+13, name, y, w, name, num(values[i]), name, num(values[i]), 214+w, y+13, num(values[i]))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // numbers, escaped names and fixed markup
}

func legend(b *bytes.Buffer, ss ...series) {
	x := padL
	for _, s := range ss {
		fmt.Fprintf(b, `<rect class="%s" x="%d" y="2" width="10" height="10"/><text class="axis" x="%d" y="11">%s</text>`, s.Class, x, x+14, template.HTMLEscapeString(s.Name))
		x += 24 + 8*len(s.Name)
	}
}

// analyticsCSV is one row per day; commands as "name=count" pairs.
func analyticsCSV(days []analytics.Day) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"day", "opened", "closed", "reopened", "backlog", "first_response_median_ms", "first_response_p90_ms",
		"resolution_median_ms", "resolution_p90_ms", "commands"})
	for _, d := range days {
		names := make([]string, 0, len(d.Commands))
		for k := range d.Commands {
			names = append(names, k)
		}
		slices.Sort(names)
		var cmds []string
		for _, k := range names {
			cmds = append(cmds, fmt.Sprintf("%s=%d", k, d.Commands[k]))
		}
		_ = w.Write([]string{d.Day, strconv.Itoa(d.Opened), strconv.Itoa(d.Closed), strconv.Itoa(d.Reopened), strconv.Itoa(d.Backlog),
			strconv.FormatInt(d.FirstResp.Median, 10), strconv.FormatInt(d.FirstResp.P90, 10),
			strconv.FormatInt(d.Resolve.Median, 10), strconv.FormatInt(d.Resolve.P90, 10), strings.Join(cmds, ";")})
	}
	w.Flush()
	return b.Bytes()
}
