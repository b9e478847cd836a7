package discord

import (
	"context"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/i18n"
)

// AddPanickingCommand registers /name, whose work panics with a value that
// carries text — as a bug in a handler would — for tests of recovery.
func (b *Bot) AddPanickingCommand(name, carried string) {
	b.router.SlashCommand("/"+name, func(_ discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		return b.do(e.Ctx, e, func(context.Context, actor) (reply, error) {
			panic("handling " + carried)
		})
	})
}

// ShardRetryDelay is the first pause before a refused shard is tried again.
var ShardRetryDelay = &shardRetryDelay

// DiscordLocaleOf is a server's language in Discord as the bot's cache
// knows it (from GUILD_CREATE and GUILD_UPDATE), as the language it speaks.
func (b *Bot) DiscordLocaleOf(guild snowflake.ID) string {
	return i18n.Of(b.discordLocale(context.Background(), domain.GuildID(guild))).Tag()
}

// ForgetGuild takes a server out of the gateway's cache, as when it is on
// another process's shards.
func (b *Bot) ForgetGuild(guild snowflake.ID) { b.client.Caches.RemoveGuild(guild) }
