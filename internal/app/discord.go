package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
)

// Discord-side facts: things that happened on Discord and must be events.

// RecordBotJoined records the bot being in a guild (GUILD_CREATE).
func (a *App) RecordBotJoined(ctx context.Context, g domain.GuildID, name string, owner domain.UserID) error {
	return a.updateGuild(ctx, g, Meta{Actor: domain.Actor{Source: domain.SourceDiscord}}, func(s guild.Settings) ([]domain.Event, error) {
		return s.RecordBotJoined(name, owner)
	})
}

// RecordBotRemoved records the bot removed from a guild (GUILD_DELETE).
func (a *App) RecordBotRemoved(ctx context.Context, g domain.GuildID) error {
	return a.updateGuild(ctx, g, Meta{Actor: domain.Actor{Source: domain.SourceDiscord}}, func(s guild.Settings) ([]domain.Event, error) {
		return s.RecordBotRemoved()
	})
}

// RecordMemberLeft records a member leaving a guild (GUILD_MEMBER_REMOVE).
func (a *App) RecordMemberLeft(ctx context.Context, g domain.GuildID, u domain.UserID) error {
	_, err := a.store.Update(ctx, member.Stream(g, u), eventstore.Meta{Guild: g, At: a.clock(), Actor: domain.Actor{User: u, Source: domain.SourceDiscord}},
		func(h eventstore.History) ([]domain.Event, error) {
			return member.FromHistory(g, u, h.Events).RecordLeft(), nil
		})
	return err
}

// RemoveChannel records the bot deleting a closed ticket's channel.
func (a *App) RemoveChannel(ctx context.Context, id domain.TicketID, ch domain.ChannelID, because string) error {
	m := Meta{CommandID: fmt.Sprintf("remove-channel/%s/%s", id, ch), Actor: domain.Actor{Source: domain.SourceAutomation, Because: because}}
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.RemoveChannel(ch, now)
	})
	return err
}

// RecordActionFailed records a Discord action that failed for good.
func (a *App) RecordActionFailed(ctx context.Context, id domain.TicketID, action, reason string) error {
	m := Meta{Actor: domain.Actor{Source: domain.SourceAutomation, Because: "Discord refused: " + reason}}
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.RecordActionFailed(action, reason, now)
	})
	return err
}

// RecordReplyPosted records the bot's post of a dashboard reply.
func (a *App) RecordReplyPosted(ctx context.Context, id domain.TicketID, reply string, msg domain.MessageID) error {
	_, err := a.updateTicket(ctx, id, Meta{CommandID: "reply-posted/" + reply, Actor: domain.Actor{Source: domain.SourceDiscord, Because: "the reply was posted"}}, "",
		func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) { return t.RecordReplyPosted(reply, msg) })
	return err
}
