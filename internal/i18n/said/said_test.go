package said

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/i18n"
)

// The values the bot and the dashboard write in a reader's language say in English just
// what the domain's String methods say (which logs and older answers
// used), and are translated in German.
func TestValuesInEnglishAreTheDomainsWords(t *testing.T) {
	en, de := i18n.Of("en-US"), i18n.Of("de")
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %q, want %q", what, got, want)
		}
	}
	for _, d := range []time.Duration{90 * time.Minute, 72 * time.Hour, 30 * time.Minute, 25*time.Hour + 5*time.Minute} {
		check(d.String(), Period(en, d), guild.Hours(d))
	}
	for _, a := range []guild.AutoClose{{}, {AfterMinutes: 72 * 60}, {AfterMinutes: 48 * 60, WarnBeforeMinutes: 90, OnlyWaiting: true}} {
		check(fmt.Sprintf("auto-close %+v", a), AutoClose(en, a), a.String())
	}
	for _, f := range []guild.Feedback{{}, {Enabled: true}, {Enabled: true, ByDM: true}} {
		check(fmt.Sprintf("feedback %+v", f), Feedback(en, f), f.String())
	}
	for _, m := range []guild.ClaimMode{guild.ClaimLabel, guild.ClaimHides, guild.ClaimReadOnly} {
		check("claim mode", ClaimMode(en, m), m.String())
	}
	for _, p := range []ticket.Priority{ticket.PriorityLow, ticket.PriorityNormal, ticket.PriorityHigh, ticket.PriorityUrgent} {
		check("priority", Priority(en, p), p.String())
	}
	hours := []guild.SupportHours{{}}
	for _, args := range [][6]string{
		{"Europe/Berlin", "mon-fri", "09:00", "17:00", "", ""},
		{"UTC", "mon-fri 09:00-17:00; sat 10:00-14:00", "", "", "2026-12-25,2026-12-26", "refuse"},
		{"UTC", "sun", "10:00", "12:00", "2026-12-25", ""},
	} {
		h, err := guild.ParseSupportHours(args[0], args[1], args[2], args[3], args[4], args[5] == "refuse")
		if err != nil {
			t.Fatal(err)
		}
		hours = append(hours, h)
	}
	for _, h := range hours {
		check("support hours", SupportHours(en, h), h.String())
	}
	if got, want := Period(de, 90*time.Minute), "1 Std. 30 Min."; got != want {
		t.Errorf("a period in German: got %q, want %q", got, want)
	}
}

// A refusal's values the domain passes typed — a day, a period, a
// priority — are said in the reader's language; the caller's values stay.
func TestARefusalSaysItsValuesInTheLanguage(t *testing.T) {
	en, de := i18n.Of("en"), i18n.Of("de")
	day := &domain.RuleError{Key: "guild.hours_backwards", Args: map[string]any{"Day": time.Monday}}
	if got := Refusal(de, day); !strings.Contains(got, "Montag") || strings.Contains(got, "Monday") {
		t.Errorf("German day: %q", got)
	}
	if got := Refusal(en, day); !strings.Contains(got, "Monday") {
		t.Errorf("English day: %q", got)
	}
	if day.Args["Day"] != time.Monday {
		t.Error("the refusal's values changed")
	}
	period := &domain.RuleError{Key: "guild.auto_close_period_out_of_range", Args: map[string]any{"Min": guild.MinAutoCloseAfter, "MaxDays": 30}}
	if got := Refusal(en, period); !strings.Contains(got, guild.Hours(guild.MinAutoCloseAfter)) {
		t.Errorf("English period: %q", got)
	}
	if got := Refusal(de, period); !strings.Contains(got, Period(de, guild.MinAutoCloseAfter)) || strings.Contains(got, "1h0m0s") {
		t.Errorf("German period: %q", got)
	}
	priority := &domain.RuleError{Key: "ticket.priority_unchanged", Args: map[string]any{"Priority": ticket.PriorityHigh}}
	if got := Refusal(de, priority); !strings.Contains(got, Priority(de, ticket.PriorityHigh)) || strings.Contains(got, "high") {
		t.Errorf("German priority: %q", got)
	}
	if got := Refusal(en, priority); !strings.Contains(got, "high") {
		t.Errorf("English priority: %q", got)
	}
}

func TestAMeasuredTimeIsSaidInTheLanguage(t *testing.T) {
	en, de := i18n.Of("en"), i18n.Of("de")
	for _, c := range []struct {
		d      time.Duration
		en, de string
	}{
		{45*time.Second + 400*time.Millisecond, "45 s", "45 Sek."},
		{62*time.Minute + 20*time.Second, "1 h 2 min", "1 Std. 2 Min."},
		{3 * time.Hour, "3 h", "3 Std."},
	} {
		if got := Elapsed(en, c.d); got != c.en {
			t.Errorf("%s in English: %q, want %q", c.d, got, c.en)
		}
		if got := Elapsed(de, c.d); got != c.de {
			t.Errorf("%s in German: %q, want %q", c.d, got, c.de)
		}
	}
}
