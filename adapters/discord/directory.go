package discord

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
)

// Directory answers the dashboard's questions about a guild through the
// bot's REST client: a member's roles, the guild's roles and text channels.
type Directory struct{ b *Bot }

// Directory returns the bot's directory, or nil when there is no bot token.
func (b *Bot) Directory() *Directory {
	if b.client == nil || b.cfg.Token == "" {
		return nil
	}
	return &Directory{b: b}
}

// MemberRoles returns the member's roles; none when they are not a member.
func (d *Directory) MemberRoles(ctx context.Context, g domain.GuildID, u domain.UserID) ([]domain.RoleID, error) {
	m, err := d.b.client.Rest.GetMember(snowflake.ID(g), snowflake.ID(u), rest.WithCtx(ctx))
	if err != nil {
		var re *rest.Error
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == 404 {
			return nil, nil
		}
		return nil, err
	}
	roles := make([]domain.RoleID, 0, len(m.RoleIDs))
	for _, r := range m.RoleIDs {
		roles = append(roles, domain.RoleID(r))
	}
	return roles, nil
}

// Named is a role or channel for a form.
type Named struct{ ID, Name string }

// GuildRoles lists the guild's roles except @everyone, by position.
func (d *Directory) GuildRoles(ctx context.Context, g domain.GuildID) ([]Named, error) {
	roles, err := d.b.client.Rest.GetRoles(snowflake.ID(g), rest.WithCtx(ctx))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(roles, func(a, b discord.Role) int { return b.Position - a.Position })
	out := make([]Named, 0, len(roles))
	for _, r := range roles {
		if r.ID == snowflake.ID(g) || r.Managed {
			continue
		}
		out = append(out, Named{ID: r.ID.String(), Name: r.Name})
	}
	return out, nil
}

// GuildTextChannels lists the guild's text channels by name.
func (d *Directory) GuildTextChannels(ctx context.Context, g domain.GuildID) ([]Named, error) {
	chs, err := d.b.client.Rest.GetGuildChannels(snowflake.ID(g), rest.WithCtx(ctx))
	if err != nil {
		return nil, err
	}
	var out []Named
	for _, c := range chs {
		if c.Type() == discord.ChannelTypeGuildText && !strings.HasPrefix(c.Name(), "ticket-") {
			out = append(out, Named{ID: c.ID().String(), Name: c.Name()})
		}
	}
	slices.SortFunc(out, func(a, b Named) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// GuildCategories lists the guild's channel categories by name.
func (d *Directory) GuildCategories(ctx context.Context, g domain.GuildID) ([]Named, error) {
	chs, err := d.b.client.Rest.GetGuildChannels(snowflake.ID(g), rest.WithCtx(ctx))
	if err != nil {
		return nil, err
	}
	var out []Named
	for _, c := range chs {
		if c.Type() == discord.ChannelTypeGuildCategory {
			out = append(out, Named{ID: c.ID().String(), Name: c.Name()})
		}
	}
	slices.SortFunc(out, func(a, b Named) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// SearchMembers finds up to limit members whose user name or nickname
// starts with query (Discord's member search), named as the server shows
// them, with their user name.
func (d *Directory) SearchMembers(ctx context.Context, g domain.GuildID, query string, limit int) ([]Named, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	ms, err := d.b.client.Rest.SearchMembers(snowflake.ID(g), query, min(max(limit, 1), 25), rest.WithCtx(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]Named, 0, len(ms))
	for _, m := range ms {
		name := m.EffectiveName()
		if name != m.User.Username {
			name += " (" + m.User.Username + ")"
		}
		out = append(out, Named{ID: m.User.ID.String(), Name: name})
	}
	return out, nil
}
