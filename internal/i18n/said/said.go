// Package said writes the values Ticketify puts into its sentences —
// periods, automation rules, support hours, settings, priorities — in the
// reader's language, for the bot and the dashboard alike. The domain's
// String methods write the same in English (said_test.go holds them equal),
// for logs, tests and the JSON API; the domain decides, the edges speak.
package said

import (
	"maps"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/i18n"
)

// Period writes a period the way people say it: "72 h", "90 min",
// "1 h 30 min" (guild.Hours, in the reader's language).
func Period(l i18n.Locale, d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return l.T("said.minutes", "Minutes", m)
	case m == 0:
		return l.T("said.hours", "Hours", h)
	}
	return l.T("said.hours_minutes", "Hours", h, "Minutes", m)
}

// Elapsed is a measured time the way people say it: seconds under a
// minute ("45 s"), else a Period to the minute ("1 h 2 min").
func Elapsed(l i18n.Locale, d time.Duration) string {
	if d < time.Minute {
		return l.T("said.seconds", "Seconds", int(d.Round(time.Second)/time.Second))
	}
	return Period(l, d.Round(time.Minute))
}

func OnOff(l i18n.Locale, on bool) string {
	if on {
		return l.T("said.on")
	}
	return l.T("said.off")
}

// AutoClose is an auto-close rule (guild.AutoClose.String).
func AutoClose(l i18n.Locale, a guild.AutoClose) string {
	switch {
	case !a.Enabled():
		return l.T("said.off")
	case a.OnlyWaiting:
		return l.T("said.auto_close_only_waiting", "After", Period(l, a.After()), "Warn", Period(l, a.WarnBefore()))
	}
	return l.T("said.auto_close", "After", Period(l, a.After()), "Warn", Period(l, a.WarnBefore()))
}

// Feedback is whether and where openers are asked for a rating
// (guild.Feedback.String).
func Feedback(l i18n.Locale, f guild.Feedback) string {
	switch {
	case !f.Enabled:
		return l.T("said.off")
	case f.ByDM:
		return l.T("said.feedback_dm")
	}
	return l.T("said.feedback_channel")
}

func Reminder(l i18n.Locale, d time.Duration) string {
	if d == 0 {
		return l.T("said.off")
	}
	return l.T("said.reminder", "Period", Period(l, d))
}

// ClaimMode is what claiming does to the other staff
// (guild.ClaimMode.String).
func ClaimMode(l i18n.Locale, m guild.ClaimMode) string {
	switch m {
	case guild.ClaimHides:
		return l.T("said.claim_hides")
	case guild.ClaimReadOnly:
		return l.T("said.claim_read_only")
	}
	return l.T("said.claim_label")
}

// SupportHours is a server's support hours (guild.SupportHours.String).
func SupportHours(l i18n.Locale, h guild.SupportHours) string {
	if !h.Enabled() {
		return l.T("said.support_hours_none")
	}
	var days []string
	for d, span := range h.Week {
		if span.Open() {
			days = append(days, l.T(weekdays[d])+" "+span.String()) // 09:00–17:00: digits only
		}
	}
	s := l.T("said.support_hours", "Days", strings.Join(days, ", "), "Zone", h.Zone)
	if len(h.Holidays) > 0 {
		s += l.N("said.support_hours_holidays", len(h.Holidays))
	}
	if h.Refuse {
		s += l.T("said.support_hours_refused")
	}
	return s
}

// Priority is a priority's name (ticket.Priority.String).
func Priority(l i18n.Locale, p ticket.Priority) string {
	switch p {
	case ticket.PriorityLow:
		return l.T("said.priority_low")
	case ticket.PriorityNormal:
		return l.T("said.priority_normal")
	case ticket.PriorityHigh:
		return l.T("said.priority_high")
	case ticket.PriorityUrgent:
		return l.T("said.priority_urgent")
	}
	return p.String()
}

// weekdays are the days' short names, Sunday first (time.Weekday).
var weekdays = [7]string{"said.weekday_sun", "said.weekday_mon", "said.weekday_tue",
	"said.weekday_wed", "said.weekday_thu", "said.weekday_fri", "said.weekday_sat"}

// Refusal is a broken rule's sentence in the reader's language, with the
// values the domain names in it — a day, a period, a priority — said in the
// language too (the domain passes them typed, not as English words).
func Refusal(l i18n.Locale, rule *domain.RuleError) string {
	args, copied := rule.Args, false
	for name, v := range rule.Args {
		var words string
		switch v := v.(type) {
		case time.Weekday:
			words = l.T(days[v])
		case time.Duration:
			words = Period(l, v)
		case ticket.Priority:
			words = Priority(l, v)
		default:
			continue
		}
		if !copied { // the caller's values stay as they are
			args, copied = maps.Clone(rule.Args), true
		}
		args[name] = words
	}
	return l.Message(rule.Key, args)
}

// days are the catalogue's names of the days, Sunday first (time.Weekday).
var days = [7]string{"weekday.sunday", "weekday.monday", "weekday.tuesday", "weekday.wednesday", "weekday.thursday", "weekday.friday", "weekday.saturday"}
