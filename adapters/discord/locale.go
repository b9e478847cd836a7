package discord

import (
	"context"
	"time"

	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/platform/cache"
)

// channelLocale is the language of what the bot posts where everyone reads
// it (a ticket's channel, the log channel, a panel, a DM outside an
// interaction): the one the server chose (/setup language), else the
// server's language in Discord (its community setting), else English.
// Answers to a person are in their own language instead (actor.locale).
func (b *Bot) channelLocale(ctx context.Context, s guild.Settings) i18n.Locale {
	if s.Language() != "" {
		return i18n.Of(s.Language())
	}
	return i18n.Of(b.discordLocale(ctx, s.ID()))
}

// guildLocales remembers servers' languages in Discord that the gateway's
// cache does not hold, for serverLocaleFresh.
type guildLocales = cache.Timed[domain.GuildID, string]

// serverLocaleFresh is how long a server's language asked of Discord's REST
// API is used before asking again (a change in Discord reaches the gateway
// cache at once, GUILD_UPDATE, where it is cached).
const serverLocaleFresh = time.Hour

func newGuildLocales(now func() time.Time) *guildLocales {
	return cache.NewTimed[domain.GuildID, string](10_000, serverLocaleFresh, now)
}

// discordLocale is a server's language in Discord: from the gateway's cache
// when this process holds the server's shard (GUILD_CREATE, GUILD_UPDATE),
// else — the server is on another process's shards, while this process runs
// the reactor — asked of Discord's REST API and remembered for an hour. ""
// when neither answers (English then, and asked again next time).
func (b *Bot) discordLocale(ctx context.Context, g domain.GuildID) string {
	if b.client == nil {
		return ""
	}
	if gd, ok := b.client.Caches.Guild(snowflake.ID(g)); ok {
		return string(gd.PreferredLocale)
	}
	if l, ok := b.serverLocales.Get(g); ok {
		return l
	}
	gd, err := b.client.Rest.GetGuild(snowflake.ID(g), false, rest.WithCtx(ctx))
	if err != nil {
		b.logger.WarnContext(ctx, "a server's language was not read from Discord", "guild", g, "err", describe(err))
		return ""
	}
	b.serverLocales.Add(g, string(gd.PreferredLocale))
	return string(gd.PreferredLocale)
}
