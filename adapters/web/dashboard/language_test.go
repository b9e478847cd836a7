package dashboard

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/i18n"
)

// A sentence's markup comes only from the page, links only to this site;
// days, times and numbers are in the language's format. (Every key the
// pages ask for is in the catalogues: internal/i18n's catalogue tests.)
func TestWordsMarkupAndFormats(t *testing.T) {
	w := words{i18n.Of("de")}
	h := w.H("web.login.cookie", "Cookie", tagHTML("code", "", "<x>"), "Privacy", linkHTML("//evil.example", "a&b"))
	if !strings.Contains(string(h), `<code>&lt;x&gt;</code>`) || !strings.Contains(string(h), `<a href="/">a&amp;b</a>`) {
		t.Fatalf("H: %s", h)
	}
	if got := (words{}).H("web.timeline.because", "Reason", "<b>"); got != template.HTML("because: &lt;b&gt;") {
		t.Fatalf("a text placeholder is not escaped: %s", got)
	}
	if got := (words{}).H("web.ticket.closed_by_reason", "When", "now", "Who", "\ue0000\ue001", "Reason", tagHTML("q", "", "r")); got != template.HTML("now by 0: <q>r</q>") {
		t.Fatalf("text posed as markup: %s", got)
	}
	type named string // a value of another type than string is text too
	if got := (words{}).H("web.ticket.closed_by_reason", "When", "now", "Who", named("\ue0000\ue001"), "Reason", tagHTML("q", "", "r")); got != template.HTML("now by 0: <q>r</q>") {
		t.Fatalf("a named string posed as markup: %s", got)
	}
	for _, hostile := range []string{"/\\evil.example", "https://evil.example/", "//evil.example", "/%5cevil.example", "javascript:alert(1)"} {
		if got := linkHTML(hostile, "x"); got != template.HTML(`<a href="/">x</a>`) {
			t.Errorf("a link to %q: %s", hostile, got)
		}
	}
	day := "2026-11-01"
	for tag, want := range map[string][2]string{"en": {"2026-11-01", "11-01"}, "de": {"01.11.2026", "01.11."}, "fr": {"01/11/2026", "01/11"}} {
		l := words{i18n.Of(tag)}
		if l.Day(day) != want[0] || l.ShortDay(day) != want[1] {
			t.Errorf("%s: %q %q, want %v", tag, l.Day(day), l.ShortDay(day), want)
		}
	}
	at := time.Date(2026, 11, 1, 18, 30, 0, 0, time.FixedZone("CET", 3600))
	if got := (words{}).Time(at); got != "2026-11-01 17:30 UTC" {
		t.Fatalf("English time %q, want the dashboard's format before localisation", got)
	}
	if got := (words{i18n.Of("de")}).Num(1234.5); got != "1.234,5" {
		t.Fatalf("German number %q", got)
	}
	if got := (words{}).Num(0.25); got != "0.25" {
		t.Fatalf("English number %q", got)
	}
}
