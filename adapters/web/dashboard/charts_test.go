package dashboard

import (
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/projections/analytics"
)

// A day without a first response is a gap in its line, not a median of 0;
// ratings are drawn as a distribution.
func TestChartsLeaveGapsForDaysWithoutAMeasure(t *testing.T) {
	p := func(ms int64) analytics.Percentiles { return analytics.Percentiles{Count: 1, Median: ms, P90: ms} }
	days := []analytics.Day{
		{Day: "2026-11-01", FirstResp: p(60_000), Ratings: analytics.Ratings{Count: 1, Average: 5, Distribution: [5]int{0, 0, 0, 0, 1}}},
		{Day: "2026-11-02"}, // nothing answered, nothing rated
		{Day: "2026-11-03", FirstResp: p(120_000), Ratings: analytics.Ratings{Count: 2, Average: 2, Distribution: [5]int{1, 0, 1, 0, 0}}},
	}
	var first, rating, dist string
	for _, c := range charts(i18n.English(), days) {
		switch {
		case strings.Contains(string(c.SVG), `id="chart-first-response"`):
			first = string(c.SVG)
		case strings.Contains(string(c.SVG), `id="chart-rating"`):
			rating = string(c.SVG)
		case strings.Contains(string(c.SVG), `id="chart-ratings"`):
			dist = string(c.SVG)
		}
	}
	if strings.Contains(first, `data-day="2026-11-02" data-series="median"`) {
		t.Fatal("a day without an answer is drawn as a median")
	}
	if n := strings.Count(first, `class="s4 line"`); n != 2 {
		t.Fatalf("the median line has %d segments, want 2 around the gap", n)
	}
	if strings.Contains(rating, `data-day="2026-11-02"`) || !strings.Contains(rating, `data-day="2026-11-03" data-series="average" data-value="2"`) {
		t.Fatalf("average rating chart:\n%s", rating)
	}
	if !strings.Contains(dist, `data-series="★" data-value="1"`) || !strings.Contains(dist, `data-series="★★★★★" data-value="1"`) || !strings.Contains(dist, `data-series="★★★" data-value="1"`) {
		t.Fatalf("ratings distribution:\n%s", dist)
	}
}
