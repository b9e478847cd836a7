package guild

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Span is a day's support hours in the server's local wall time: minutes
// after midnight, From before To (To at most 24:00). The zero Span is a
// closed day.
type Span struct {
	From int `bson:"from" json:"from"`
	To   int `bson:"to" json:"to"`
}

// Open reports whether the day has hours.
func (s Span) Open() bool { return s.To > s.From }

func (s Span) String() string {
	if !s.Open() {
		return "closed"
	}
	return fmt.Sprintf("%02d:%02d–%02d:%02d", s.From/60, s.From%60, s.To/60, s.To%60)
}

// SupportHours are when a server's staff answer: per weekday (Sunday
// first, as time.Weekday), in an IANA time zone, with holiday dates
// (YYYY-MM-DD, local) closed all day. Outside them an open gets a notice
// with the next opening, or — with Refuse — is refused. No open day at
// all means no support hours (always open).
type SupportHours struct {
	Zone     string   `bson:"zone" json:"zone"`
	Week     [7]Span  `bson:"week" json:"week"`
	Holidays []string `bson:"holidays,omitempty" json:"holidays,omitempty"`
	Refuse   bool     `bson:"refuse,omitempty" json:"refuse,omitempty"`
}

// Enabled reports whether the server has support hours.
func (h SupportHours) Enabled() bool {
	return slices.ContainsFunc(h.Week[:], func(s Span) bool { return s.Open() })
}

// window returns the day's hours as instants; zero when closed.
func (h SupportHours) window(day time.Time, loc *time.Location) (from, to time.Time, open bool) {
	y, m, d := day.In(loc).Date()
	if slices.Contains(h.Holidays, fmt.Sprintf("%04d-%02d-%02d", y, m, d)) {
		return time.Time{}, time.Time{}, false
	}
	s := h.Week[time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday()]
	if !s.Open() {
		return time.Time{}, time.Time{}, false
	}
	// Built from wall-clock fields, so a DST change moves the instants, not
	// the hours.
	return time.Date(y, m, d, s.From/60, s.From%60, 0, 0, loc), time.Date(y, m, d, s.To/60, s.To%60, 0, 0, loc), true
}

// OpenAt reports whether support is open at t (always, without hours).
func (h SupportHours) OpenAt(t time.Time, loc *time.Location) bool {
	if !h.Enabled() {
		return true
	}
	from, to, open := h.window(t, loc)
	return open && !t.Before(from) && t.Before(to)
}

// NextOpening returns when support next opens at or after t (t itself
// when open); zero when it never does within a year (every day a holiday).
func (h SupportHours) NextOpening(t time.Time, loc *time.Location) time.Time {
	if h.OpenAt(t, loc) {
		return t
	}
	y, m, d := t.In(loc).Date()
	for i := 0; i <= 366; i++ {
		from, _, open := h.window(time.Date(y, m, d+i, 12, 0, 0, 0, loc), loc)
		if open && !from.Before(t) {
			return from
		}
	}
	return time.Time{}
}

// Within returns how much of [from, to) falls within support hours: the
// time staff were expected to answer in. Without hours it is the whole.
func (h SupportHours) Within(from, to time.Time, loc *time.Location) time.Duration {
	if !to.After(from) {
		return 0
	}
	if !h.Enabled() {
		return to.Sub(from)
	}
	var total time.Duration
	y, m, d := from.In(loc).Date()
	for i := 0; ; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
		if day.Add(-12 * time.Hour).After(to) {
			return total
		}
		a, b, open := h.window(day, loc)
		if !open {
			continue
		}
		a, b = later(a, from), earlier(b, to)
		if b.After(a) {
			total += b.Sub(a)
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Admit decides an open at now: outside support hours it is refused, when
// the server says so, or let through with a notice (outside, and when
// support opens next).
func (h SupportHours) Admit(now time.Time, loc *time.Location) (outside bool, next time.Time, err error) {
	if h.OpenAt(now, loc) {
		return false, time.Time{}, nil
	}
	next = h.NextOpening(now, loc)
	if h.Refuse {
		if next.IsZero() {
			return true, next, domain.Refuse(domain.ErrConflict, "guild.support_closed_indefinitely")
		}
		return true, next, domain.Refuse(domain.ErrConflict, "guild.support_closed", "Unix", next.Unix())
	}
	return true, next, nil
}

// ParseSupportHours reads support hours as people type them (/setup
// support-hours and the dashboard): days ("mon-fri", "mon,wed,sat",
// "none"), from and to ("09:00"), holidays ("2026-12-25,2026-12-26").
// Days with their own hours are groups separated by semicolons, each with
// its span: "mon-fri 09:00-17:00; sat 10:00-14:00" (a group without one
// takes from and to).
func ParseSupportHours(zoneName, days, from, to, holidays string, refuse bool) (SupportHours, error) {
	h := SupportHours{Zone: strings.TrimSpace(zoneName), Refuse: refuse}
	days = strings.ToLower(strings.TrimSpace(days))
	if days == "none" || days == "" {
		return SupportHours{}, nil
	}
	for _, group := range strings.Split(days, ";") {
		fields := strings.Fields(group)
		if len(fields) == 0 {
			continue
		}
		list, own, hasOwn := strings.Join(fields, ""), "", false
		if last := fields[len(fields)-1]; strings.Contains(last, ":") { // the group's own hours
			list, own, hasOwn = strings.Join(fields[:len(fields)-1], ""), last, true
		}
		var span Span
		var err error
		if hasOwn {
			a, b, ok := strings.Cut(strings.TrimSpace(own), "-")
			if !ok {
				return h, domain.Refuse(domain.ErrInvalid, "guild.hours_invalid", "Hours", strings.TrimSpace(own))
			}
			span, err = spanOf(a, b)
		} else {
			span, err = spanOf(from, to)
		}
		if err != nil {
			return h, err
		}
		for _, part := range strings.Split(list, ",") {
			a, b, isRange := strings.Cut(part, "-")
			i, err := weekdayOf(a)
			if err != nil {
				return h, err
			}
			j := i
			if isRange {
				if j, err = weekdayOf(b); err != nil {
					return h, err
				}
			}
			for d := i; ; d = (d + 1) % 7 {
				h.Week[d] = span
				if d == j {
					break
				}
			}
		}
	}
	for _, day := range strings.Split(holidays, ",") {
		if day = strings.TrimSpace(day); day != "" {
			h.Holidays = append(h.Holidays, day)
		}
	}
	return h, nil
}

// spanOf reads a day's hours, "09:00" to "17:00" ("24:00" ends the day).
func spanOf(from, to string) (Span, error) {
	clock := func(s string) (int, error) {
		s = strings.TrimSpace(s)
		if s == "24:00" {
			return 24 * 60, nil
		}
		t, err := time.Parse("15:04", s)
		if err != nil {
			return 0, domain.Refuse(domain.ErrInvalid, "guild.time_invalid", "Time", s)
		}
		return t.Hour()*60 + t.Minute(), nil
	}
	f, err := clock(from)
	if err != nil {
		return Span{}, err
	}
	t, err := clock(to)
	return Span{From: f, To: t}, err
}

// weekdayOf reads a day's name ("mon", "Monday") as a time.Weekday.
func weekdayOf(name string) (int, error) {
	name = strings.TrimSpace(name)
	for i, x := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		if strings.HasPrefix(name, x) {
			return i, nil
		}
	}
	return 0, domain.Refuse(domain.ErrInvalid, "guild.day_invalid", "Day", name)
}

// SupportHoursSet records a server's support hours (no open day: none).
type SupportHoursSet struct {
	Guild    domain.GuildID `json:"guild"`
	Hours    SupportHours   `json:"hours"`
	Previous SupportHours   `json:"previous"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (SupportHoursSet) EventType() string { return "guild.support_hours_set.v1" }

// SupportHours returns the server's support hours.
func (s Settings) SupportHours() SupportHours { return s.hours }

// SetSupportHours sets the server's support hours. zoneKnown says whether
// the time zone is one the application knows (the domain reads no time
// zone database).
func (s Settings) SetSupportHours(by Member, h SupportHours, zoneKnown bool) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if h.Enabled() && (h.Zone == "" || !zoneKnown) {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.time_zone_unknown", "Zone", h.Zone)
	}
	for d, span := range h.Week {
		if span != (Span{}) && (span.From < 0 || span.To > 24*60 || span.From >= span.To) {
			return nil, domain.Refuse(domain.ErrInvalid, "guild.hours_backwards", "Day", time.Weekday(d))
		}
	}
	h.Holidays = slices.Clone(h.Holidays)
	for i, day := range h.Holidays {
		day = strings.TrimSpace(day)
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return nil, domain.Refuse(domain.ErrInvalid, "guild.holiday_invalid", "Date", day)
		}
		h.Holidays[i] = day
	}
	slices.Sort(h.Holidays)
	h.Holidays = slices.Compact(h.Holidays)
	if len(h.Holidays) > 100 {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.holidays_too_many")
	}
	if !h.Enabled() {
		h = SupportHours{}
	}
	if equalHours(h, s.hours) {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.support_hours_unchanged")
	}
	return []domain.Event{SupportHoursSet{Guild: s.id, Hours: h, Previous: s.hours}}, nil
}

func equalHours(a, b SupportHours) bool {
	return a.Zone == b.Zone && a.Week == b.Week && a.Refuse == b.Refuse && slices.Equal(a.Holidays, b.Holidays)
}

// String says the hours in words.
func (h SupportHours) String() string {
	if !h.Enabled() {
		return "none (always open)"
	}
	var days []string
	for d, span := range h.Week {
		if span.Open() {
			days = append(days, fmt.Sprintf("%s %s", time.Weekday(d).String()[:3], span))
		}
	}
	s := strings.Join(days, ", ") + " (" + h.Zone + ")"
	if len(h.Holidays) > 0 {
		s += fmt.Sprintf("; %d holiday(s)", len(h.Holidays))
	}
	if h.Refuse {
		s += "; opens outside them are refused"
	}
	return s
}
