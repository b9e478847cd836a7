package app

import (
	"context"
	"fmt"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/i18n"
)

// A server's settings, changed by a member of it. Each use case is named for
// what it changes and takes who asks (guild.Member: their roles and Manage
// Server permission as Discord reports them); guild.Settings decides whether
// they may. Discord's /setup and /blacklist, the dashboard and its API all
// call these.

// SetStaffRoles replaces the server's staff roles.
func (a *App) SetStaffRoles(ctx context.Context, g domain.GuildID, by guild.Member, roles []domain.RoleID, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetStaffRoles(by, roles) })
}

// AddCategory adds a ticket category.
func (a *App) AddCategory(ctx context.Context, g domain.GuildID, by guild.Member, c guild.Category, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.AddCategory(by, c) })
}

// AddQuestion adds a question to a category's form and returns the category
// as it now is.
func (a *App) AddQuestion(ctx context.Context, g domain.GuildID, by guild.Member, key string, q guild.Question, m Meta) (guild.Category, error) {
	var updated guild.Category
	err := a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) {
		evs, err := s.AddQuestion(by, key, q)
		if err == nil {
			updated = evs[0].(guild.CategoryUpdated).Category
		}
		return evs, err
	})
	return updated, err
}

// RemoveCategory removes a ticket category.
func (a *App) RemoveCategory(ctx context.Context, g domain.GuildID, by guild.Member, key string, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.RemoveCategory(by, key) })
}

// SetTicketLimit sets how many tickets a member may have open at once.
func (a *App) SetTicketLimit(ctx context.Context, g domain.GuildID, by guild.Member, limit int, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetTicketLimit(by, limit) })
}

// SetRetention sets how many days closed tickets' transcripts are kept.
func (a *App) SetRetention(ctx context.Context, g domain.GuildID, by guild.Member, days int, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetRetention(by, days) })
}

// SetAutoClose sets the server's auto-close rule (category empty) or a
// category's own; tickets already waiting follow it at once.
func (a *App) SetAutoClose(ctx context.Context, g domain.GuildID, by guild.Member, category string, rule guild.AutoClose, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetAutoClose(by, category, rule) })
}

// InheritAutoClose makes a category follow the server's auto-close rule again.
func (a *App) InheritAutoClose(ctx context.Context, g domain.GuildID, by guild.Member, category string, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.InheritAutoClose(by, category) })
}

// SetSupportHours sets the server's support hours (no open day: none).
func (a *App) SetSupportHours(ctx context.Context, g domain.GuildID, by guild.Member, h guild.SupportHours, m Meta) error {
	_, known := zone(h.Zone)
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetSupportHours(by, h, known) })
}

// SetReminder sets after how many minutes without a staff answer the staff
// roles are pinged in a ticket (0: never).
func (a *App) SetReminder(ctx context.Context, g domain.GuildID, by guild.Member, minutes int, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetReminder(by, minutes) })
}

// SavePanel adds or changes a panel; the Discord reactor edits its posts.
func (a *App) SavePanel(ctx context.Context, g domain.GuildID, by guild.Member, p guild.Panel, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SavePanel(by, p) })
}

// RemovePanel removes a panel.
func (a *App) RemovePanel(ctx context.Context, g domain.GuildID, by guild.Member, key string, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.RemovePanel(by, key) })
}

// RequestPanelPost asks for a panel to be posted in a channel of the server
// (the caller checked it is one); the Discord reactor posts it.
func (a *App) RequestPanelPost(ctx context.Context, g domain.GuildID, by guild.Member, key string, ch domain.ChannelID, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.RequestPanelPost(by, key, ch) })
}

// RecordPanelPosted records a panel's message on Discord.
func (a *App) RecordPanelPosted(ctx context.Context, g domain.GuildID, key string, post guild.PanelPost, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.RecordPanelPosted(key, post) })
}

// SetCategoryOverflow sets where a category's channels go when its Discord category is full.
func (a *App) SetCategoryOverflow(ctx context.Context, g domain.GuildID, by guild.Member, category string, overflow []domain.ChannelID, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetCategoryOverflow(by, category, overflow) })
}

// SetCategoryTeam sets a category's own staff team.
func (a *App) SetCategoryTeam(ctx context.Context, g domain.GuildID, by guild.Member, category string, roles []domain.RoleID, only bool, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetCategoryTeam(by, category, roles, only) })
}

// SetMessages sets the server's (category "") or a category's messages.
func (a *App) SetMessages(ctx context.Context, g domain.GuildID, by guild.Member, category string, msgs guild.Messages, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetMessages(by, category, msgs) })
}

// SetClaimMode sets what claiming does, for the server (category "") or a category.
func (a *App) SetClaimMode(ctx context.Context, g domain.GuildID, by guild.Member, category string, mode guild.ClaimMode, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetClaimMode(by, category, mode) })
}

// SetThreadMode makes new tickets of the server (category "") or of a
// category private threads under a text channel, or (channel zero)
// channels of their own.
func (a *App) SetThreadMode(ctx context.Context, g domain.GuildID, by guild.Member, category string, ch domain.ChannelID, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetThreadMode(by, category, ch) })
}

// SetOpenCooldown sets how long a member waits between opens, in minutes.
func (a *App) SetOpenCooldown(ctx context.Context, g domain.GuildID, by guild.Member, minutes int, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetOpenCooldown(by, minutes) })
}

// SetCategoryLimit sets how many open tickets of a category one member may have.
func (a *App) SetCategoryLimit(ctx context.Context, g domain.GuildID, by guild.Member, category string, limit int, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetCategoryLimit(by, category, limit) })
}

// SetFeedback sets whether openers are asked to rate their closed tickets,
// and where.
func (a *App) SetFeedback(ctx context.Context, g domain.GuildID, by guild.Member, f guild.Feedback, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetFeedback(by, f) })
}

// SetLanguage chooses the language of the server's channels ("": the
// server's language in Discord).
func (a *App) SetLanguage(ctx context.Context, g domain.GuildID, by guild.Member, language string, m Meta) error {
	var spoken []string
	for _, l := range i18n.Languages() {
		spoken = append(spoken, l.Tag())
	}
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetLanguage(by, language, spoken) })
}

// SetTranscriptDM sets whether openers get their transcript by direct
// message when their ticket closes.
func (a *App) SetTranscriptDM(ctx context.Context, g domain.GuildID, by guild.Member, enabled bool, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetTranscriptDM(by, enabled) })
}

// SetCloseOnLeave sets whether a member leaving closes the tickets they opened.
func (a *App) SetCloseOnLeave(ctx context.Context, g domain.GuildID, by guild.Member, enabled bool, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetCloseOnLeave(by, enabled) })
}

// SetLogChannel sets (or, with zero, clears) the channel close summaries go to.
func (a *App) SetLogChannel(ctx context.Context, g domain.GuildID, by guild.Member, ch domain.ChannelID, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) { return s.SetLogChannel(by, ch) })
}

// BlacklistTarget is whom a blacklist change is about: a user or a role.
type BlacklistTarget struct {
	User domain.UserID
	Role domain.RoleID
}

// Blacklist stops a user, or the members with a role, from opening tickets.
func (a *App) Blacklist(ctx context.Context, g domain.GuildID, by guild.Member, who BlacklistTarget, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) {
		if !who.User.IsZero() {
			return s.BlacklistUser(by, who.User)
		}
		return s.BlacklistRole(by, who.Role)
	})
}

// Unblacklist lifts a blacklisting.
func (a *App) Unblacklist(ctx context.Context, g domain.GuildID, by guild.Member, who BlacklistTarget, m Meta) error {
	return a.updateGuild(ctx, g, m, func(s guild.Settings) ([]domain.Event, error) {
		if !who.User.IsZero() {
			return s.UnblacklistUser(by, who.User)
		}
		return s.UnblacklistRole(by, who.Role)
	})
}

// StaffSettings returns a server's settings for a member allowed to see them
// (/setup show, /blacklist list).
func (a *App) StaffSettings(ctx context.Context, g domain.GuildID, by guild.Member) (guild.Settings, error) {
	s, err := a.Settings(ctx, g)
	if err != nil {
		return s, err
	}
	return s, s.MayRead(by)
}

// updateGuild applies a settings decision through the update loop and tells
// the watchers (caches of settings) that the guild changed.
func (a *App) updateGuild(ctx context.Context, g domain.GuildID, m Meta, decide func(guild.Settings) ([]domain.Event, error)) error {
	_, err := a.store.Update(ctx, guild.Stream(g), a.meta(m, g, "", a.clock()), func(h eventstore.History) ([]domain.Event, error) {
		return decide(guild.FromHistory(g, h.Events))
	})
	a.guilds.mu.Lock()
	fs := a.guilds.fs
	a.guilds.mu.Unlock()
	for _, f := range fs {
		f(g)
	}
	if err != nil {
		return fmt.Errorf("guild %s: %w", g, err)
	}
	return nil
}
