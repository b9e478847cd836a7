package discord

import (
	"fmt"
	"strings"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/i18n"
)

// The words of values the bot puts into its sentences — periods, rules,
// settings, priorities — in the reader's language. The domain's String
// methods write the same in English, for logs and tests; the domain
// decides, the edges speak.

// madeAsSaid is what new tickets are made as (guild.MadeAs).
func madeAsSaid(l i18n.Locale, threadsOf domain.ChannelID) string {
	if threadsOf.IsZero() {
		return l.T("bot.settings.made_as_channels")
	}
	return l.T("bot.settings.made_as_threads", "Channel", threadsOf)
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
