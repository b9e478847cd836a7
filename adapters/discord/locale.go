package discord

import (
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/i18n"
)

// channelLocale is the language of what the bot posts where everyone reads
// it (a ticket's channel, the log channel, a panel): the one the server
// chose (/setup language), else the server's language in Discord (its
// community setting, from the gateway's cache), else English. Answers to a
// person are in their own language instead (actor.locale).
func (b *Bot) channelLocale(s guild.Settings) i18n.Locale {
	if s.Language() != "" {
		return i18n.Of(s.Language())
	}
	return b.discordGuildLocale(s.ID())
}

func (b *Bot) discordGuildLocale(g domain.GuildID) i18n.Locale {
	if b.client == nil {
		return i18n.Of()
	}
	if gd, ok := b.client.Caches.Guild(snowflake.ID(g)); ok {
		return i18n.Of(string(gd.PreferredLocale))
	}
	return i18n.Of()
}
