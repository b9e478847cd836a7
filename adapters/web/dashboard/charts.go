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
	"unicode/utf8"

	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/projections/analytics"
)

// chart is one server-rendered SVG chart: no script, readable without CSS,
// with a data table next to it for screen readers.
type chart struct {
	Title string
	SVG   template.HTML
}

// series is one line or set of bars: ID names it in the markup
// (data-series), Name on the chart, in the reader's language.
type series struct {
	ID     string
	Name   string
	Class  string
	Values []float64
}

const (
	chartW, chartH = 720, 220
	padL, padR     = 48, 12
	padT, padB     = 12, 28
)

// charts draws the analytics charts, their words, days and numbers in l.
func charts(l i18n.Locale, days []analytics.Day) []chart {
	w := words{l}
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
	median, p90 := l.T("web.charts.median"), l.T("web.charts.p90")
	return []chart{
		{l.T("web.charts.opened_closed"), bars(w, "opened-closed", labels,
			series{"opened", l.T("web.charts.opened"), "s1", opened}, series{"closed", l.T("web.charts.closed"), "s2", closed},
			series{"closed automatically", l.T("web.charts.closed_automatically"), "s3", auto})},
		{l.T("web.charts.backlog_title"), line(w, "backlog", labels, true, series{"backlog", l.T("web.charts.backlog"), "s3", backlog})},
		{l.T("web.charts.first_response"), line(w, "first-response", labels, false,
			series{"median", median, "s4", first}, series{"p90", p90, "s1", firstP90},
			series{"median within hours", l.T("web.charts.median_within_hours"), "s2", inHours})},
		{l.T("web.charts.resolution"), line(w, "resolution", labels, false,
			series{"median", median, "s5", resolve}, series{"p90", p90, "s1", resolveP90})},
		{l.T("web.charts.rating_title"), line(w, "rating", labels, false, series{"average", l.T("web.charts.average"), "s4", rating})},
		{l.T("web.charts.ratings_title"), hbars(w, "ratings", []string{"★", "★★", "★★★", "★★★★", "★★★★★"}, stars[:])},
		{l.T("web.charts.commands_title"), hbars(w, "commands", names, counts)},
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

func frame(b *bytes.Buffer, w words, id string, top float64, labels []string) {
	fmt.Fprintf(b, `<svg viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" class="chart" id="chart-%s">`, chartW, chartH, id, id)
	for i := 0; i <= 4; i++ {
		y := padT + (chartH-padT-padB)*(4-i)/4
		v := top * float64(i) / 4
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%d" y2="%d"/><text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`,
			padL, chartW-padR, y, y, padL-6, y+4, template.HTMLEscapeString(w.Num(v)))
	}
	if n := len(labels); n > 0 {
		step := max(1, n/6)
		for i := 0; i < n; i += step {
			x := xAt(i, n)
			fmt.Fprintf(b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, chartH-8, template.HTMLEscapeString(w.ShortDay(labels[i])))
		}
	}
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

func bars(w words, id string, labels []string, ss ...series) template.HTML {
	var b bytes.Buffer
	top := countTop(ss...)
	frame(&b, w, id, top, labels)
	n := len(labels)
	slot := float64(chartW-padL-padR) / float64(max(n, 1))
	bw := slot * 0.8 / float64(len(ss))
	for si, s := range ss {
		for i, v := range s.Values {
			x := float64(padL) + slot*float64(i) + slot*0.1 + bw*float64(si)
			y := yAt(v, top)
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" data-day="%s" data-series="%s" data-value="%s"><title>%s</title></rect>`,
				s.Class, x, y, bw, float64(chartH-padB)-y, labels[i], s.ID, num(v), point(w, labels[i], s.Name, v))
		}
	}
	legend(&b, ss...)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // numbers, escaped labels and fixed markup
}

func line(w words, id string, labels []string, counts bool, ss ...series) template.HTML {
	var b bytes.Buffer
	top := niceMax(maxOf(ss...))
	if counts {
		top = countTop(ss...)
	}
	frame(&b, w, id, top, labels)
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
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="2.5" data-day="%s" data-series="%s" data-value="%s"><title>%s</title></circle>`,
				s.Class, xAt(i, len(s.Values)), yAt(v, top), labels[i], s.ID, num(v), point(w, labels[i], s.Name, v))
		}
	}
	legend(&b, ss...)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // numbers, escaped labels and fixed markup
}

// hbars is a horizontal bar per name.
func hbars(w words, id string, names []string, values []float64) template.HTML {
	var b bytes.Buffer
	rows := max(len(names), 1)
	h := 24*rows + 8
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" class="chart" id="chart-%s">`, chartW, h, id)
	if len(names) == 0 {
		fmt.Fprintf(&b, `<text class="axis" x="10" y="20">%s</text>`, template.HTMLEscapeString(w.T("web.charts.no_commands")))
	}
	top := niceMax(maxOf(series{Values: values}))
	for i, n := range names {
		y := 4 + 24*i
		width := float64(chartW-220-padR) * values[i] / top
		name := template.HTMLEscapeString(n)
		value := template.HTMLEscapeString(w.Num(values[i]))
		title := template.HTMLEscapeString(w.T("web.charts.bar", "Name", n, "Value", w.Num(values[i])))
		fmt.Fprintf(&b, `<text class="axis" x="200" y="%d" text-anchor="end">%s</text><rect class="s1" x="210" y="%d" width="%.1f" height="16" data-series="%s" data-value="%s"><title>%s</title></rect><text class="axis" x="%.1f" y="%d">%s</text>`,
			y+13, name, y, width, name, num(values[i]), title, 214+width, y+13, value)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // numbers, escaped names and fixed markup
}

// point is a point's or a bar's tooltip: its day, series and value.
func point(w words, day, name string, v float64) string {
	return template.HTMLEscapeString(w.T("web.charts.point", "Day", w.Day(day), "Series", name, "Value", w.Num(v)))
}

func legend(b *bytes.Buffer, ss ...series) {
	x := padL
	for _, s := range ss {
		fmt.Fprintf(b, `<rect class="%s" x="%d" y="2" width="10" height="10"/><text class="axis" x="%d" y="11">%s</text>`, s.Class, x, x+14, template.HTMLEscapeString(s.Name))
		x += 24 + 8*utf8.RuneCountInString(s.Name)
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
