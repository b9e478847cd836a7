package discord

import (
	"fmt"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/i18n"
)

// The words of values the bot puts into its sentences — periods, rules,
// settings, priorities — in the reader's language. The domain's String
// methods write the same in English, for logs and tests; the domain
// decides, the edges speak.

// hoursSaid writes a period the way people say it: "72 h", "90 min",
// "1 h 30 min" (guild.Hours, in the reader's language).
func hoursSaid(l i18n.Locale, d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return l.T("bot.time.minutes", "Minutes", m)
	case m == 0:
		return l.T("bot.time.hours", "Hours", h)
	}
	return l.T("bot.time.hours_minutes", "Hours", h, "Minutes", m)
}

func onOff(l i18n.Locale, on bool) string {
	if on {
		return l.T("bot.settings.on")
	}
	return l.T("bot.settings.off")
}

// autoCloseSaid is an auto-close rule (guild.AutoClose.String).
func autoCloseSaid(l i18n.Locale, a guild.AutoClose) string {
	switch {
	case !a.Enabled():
		return l.T("bot.settings.off")
	case a.OnlyWaiting:
		return l.T("bot.settings.auto_close_only_waiting", "After", hoursSaid(l, a.After()), "Warn", hoursSaid(l, a.WarnBefore()))
	}
	return l.T("bot.settings.auto_close", "After", hoursSaid(l, a.After()), "Warn", hoursSaid(l, a.WarnBefore()))
}

// feedbackSaid is whether and where openers are asked for a rating
// (guild.Feedback.String).
func feedbackSaid(l i18n.Locale, f guild.Feedback) string {
	switch {
	case !f.Enabled:
		return l.T("bot.settings.off")
	case f.ByDM:
		return l.T("bot.settings.feedback_dm")
	}
	return l.T("bot.settings.feedback_channel")
}

func reminderSaid(l i18n.Locale, d time.Duration) string {
	if d == 0 {
		return l.T("bot.settings.off")
	}
	return l.T("bot.settings.reminder", "Period", hoursSaid(l, d))
}

// claimModeSaid is what claiming does to the other staff
// (guild.ClaimMode.String).
func claimModeSaid(l i18n.Locale, m guild.ClaimMode) string {
	switch m {
	case guild.ClaimHides:
		return l.T("bot.settings.claim_hides")
	case guild.ClaimReadOnly:
		return l.T("bot.settings.claim_read_only")
	}
	return l.T("bot.settings.claim_label")
}

// madeAsSaid is what new tickets are made as (guild.MadeAs).
func madeAsSaid(l i18n.Locale, threadsOf domain.ChannelID) string {
	if threadsOf.IsZero() {
		return l.T("bot.settings.made_as_channels")
	}
	return l.T("bot.settings.made_as_threads", "Channel", threadsOf)
}

// weekdays are the days' short names, Sunday first (time.Weekday).
var weekdays = [7]string{"bot.settings.weekday_sun", "bot.settings.weekday_mon", "bot.settings.weekday_tue",
	"bot.settings.weekday_wed", "bot.settings.weekday_thu", "bot.settings.weekday_fri", "bot.settings.weekday_sat"}

// supportHoursSaid is a server's support hours (guild.SupportHours.String).
func supportHoursSaid(l i18n.Locale, h guild.SupportHours) string {
	if !h.Enabled() {
		return l.T("bot.settings.support_hours_none")
	}
	var days []string
	for d, span := range h.Week {
		if span.Open() {
			days = append(days, l.T(weekdays[d])+" "+span.String()) // 09:00–17:00: digits only
		}
	}
	s := l.T("bot.settings.support_hours", "Days", strings.Join(days, ", "), "Zone", h.Zone)
	if len(h.Holidays) > 0 {
		s += l.N("bot.settings.support_hours_holidays", len(h.Holidays))
	}
	if h.Refuse {
		s += l.T("bot.settings.support_hours_refused")
	}
	return s
}

// prioritySaid is a priority's name (ticket.Priority.String).
func prioritySaid(l i18n.Locale, p ticket.Priority) string {
	switch p {
	case ticket.PriorityLow:
		return l.T("bot.ticket.priority_low")
	case ticket.PriorityNormal:
		return l.T("bot.ticket.priority_normal")
	case ticket.PriorityHigh:
		return l.T("bot.ticket.priority_high")
	case ticket.PriorityUrgent:
		return l.T("bot.ticket.priority_urgent")
	}
	return p.String()
}

// mentions writes ids as Discord mentions (format: "<@%s>" or "<@&%s>"),
// or says none.
func mentions[T fmt.Stringer](l i18n.Locale, ids []T, format string) string {
	if len(ids) == 0 {
		return l.T("bot.settings.none")
	}
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf(format, id))
	}
	return strings.Join(parts, ", ")
}

// ticketClosedSaid answers a close: who closed the ticket, and why when
// they said.
func ticketClosedSaid(l i18n.Locale, by domain.UserID, reason string) string {
	if strings.TrimSpace(reason) == "" {
		return l.T("bot.ticket.closed", "User", by)
	}
	return l.T("bot.ticket.closed_reason", "User", by, "Reason", reason)
}

// truncateRunes shortens s to at most n characters (Discord counts
// characters, not bytes).
func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
