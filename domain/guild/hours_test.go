package guild_test

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the test needs Europe/Berlin wherever it runs

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

func berlinOfficeHours(t *testing.T) (guild.SupportHours, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	nineToFive := guild.Span{From: 9 * 60, To: 17 * 60}
	h := guild.SupportHours{Zone: "Europe/Berlin", Holidays: []string{"2026-12-25"}}
	for d := time.Monday; d <= time.Friday; d++ {
		h.Week[d] = nineToFive
	}
	return h, loc
}

func TestSupportHoursKeepTheirWallClockAcrossADSTChange(t *testing.T) {
	h, loc := berlinOfficeHours(t)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		at   string
		open bool
		next string
	}{
		{"2026-03-27T07:59:00Z", false, "2026-03-27T08:00:00Z"}, // Friday 08:59 CET: opens at 09:00 CET
		{"2026-03-27T12:00:00Z", true, "2026-03-27T12:00:00Z"},
		{"2026-03-27T16:30:00Z", false, "2026-03-30T07:00:00Z"}, // Friday 17:30 CET: Monday 09:00 CEST, after the change
		{"2026-10-23T15:30:00Z", false, "2026-10-26T08:00:00Z"}, // Friday 17:30 CEST: Monday 09:00 CET
		{"2026-12-24T17:00:00Z", false, "2026-12-28T08:00:00Z"}, // Thursday evening; Friday is a holiday
	}
	for _, c := range cases {
		at := utc(c.at)
		if got := h.OpenAt(at, loc); got != c.open {
			t.Errorf("%s: open %v, want %v", c.at, got, c.open)
		}
		if got := h.NextOpening(at, loc); !got.Equal(utc(c.next)) {
			t.Errorf("%s: next opening %s, want %s", c.at, got.UTC().Format(time.RFC3339), c.next)
		}
	}
	// From Friday 16:00 to Monday 10:00 across the change: an hour on each side.
	if got := h.Within(utc("2026-03-27T15:00:00Z"), utc("2026-03-30T08:00:00Z"), loc); got != 2*time.Hour {
		t.Errorf("within hours: %s, want 2h", got)
	}
	if got := (guild.SupportHours{}).Within(utc("2026-03-27T15:00:00Z"), utc("2026-03-27T16:00:00Z"), loc); got != time.Hour {
		t.Errorf("without hours, all of it counts: %s", got)
	}
}

func TestSupportHoursAreValidated(t *testing.T) {
	h, _ := berlinOfficeHours(t)
	s := guild.New(g)
	if _, err := s.SetSupportHours(staff, h, false); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("an unknown zone: %v", err)
	}
	bad := h
	bad.Week[time.Monday] = guild.Span{From: 17 * 60, To: 9 * 60}
	if _, err := s.SetSupportHours(staff, bad, true); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("hours backwards: %v", err)
	}
	bad = h
	bad.Holidays = []string{"25/12/2026"}
	if _, err := s.SetSupportHours(staff, bad, true); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a bad date: %v", err)
	}
	evs, err := s.SetSupportHours(staff, h, true)
	if err != nil || len(evs) != 1 {
		t.Fatalf("valid hours: %v %v", evs, err)
	}
	if _, err := s.SetSupportHours(guild.Member{User: 99}, h, true); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a member: %v", err)
	}
}

func TestSupportHoursAreReadAsPeopleTypeThem(t *testing.T) {
	office, _ := berlinOfficeHours(t)
	office.Holidays = nil
	saturday := office
	saturday.Week[time.Saturday] = guild.Span{From: 10 * 60, To: 14 * 60}
	for _, c := range []struct {
		days, from, to string
		want           guild.SupportHours
	}{
		{"mon-fri", "09:00", "17:00", office},
		{"Mon, Tue, wed,thu ,fri", "09:00", "17:00", office},
		{"mon-fri 09:00-17:00; sat 10:00-14:00", "", "", saturday},
		{"mon-fri; sat 10:00-14:00", "09:00", "17:00", saturday},
		{"none", "09:00", "17:00", guild.SupportHours{}},
	} {
		got, err := guild.ParseSupportHours("Europe/Berlin", c.days, c.from, c.to, "", false)
		if c.days == "none" {
			c.want.Zone = ""
		}
		if err != nil || got.Zone != c.want.Zone || got.Week != c.want.Week {
			t.Errorf("%q %s–%s: got %v (%v), want %v", c.days, c.from, c.to, got, err, c.want)
		}
	}
	for _, days := range []string{"mon-fri 9-5", "mon-fri", "someday 09:00-17:00", "mon-fri 09:00-25:00"} {
		if _, err := guild.ParseSupportHours("Europe/Berlin", days, "", "", "", false); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%q without a time for every day: %v", days, err)
		}
	}
}
