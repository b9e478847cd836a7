package discord

import (
	"context"
	"regexp"
	"strconv"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/projections"
)

// idPanelOpenIn is a panel's button for one category: + category + "/" +
// its place (two buttons may open in the same category; custom ids in a
// message must differ).
const idPanelOpenIn = "/panel/open/"

// panelRoutes answer a panel's category buttons.
func (b *Bot) panelRoutes(r handler.Router) {
	r.ButtonComponent(idPanelOpenIn+"{category}/{n}", func(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			return b.openFlow(ctx, a, e.Vars["category"], "")
		})
	})
}

var customEmoji = regexp.MustCompile(`^<(a?):(\w{2,32}):(\d{1,20})>$`)

// emojiOf reads an emoji as typed: a unicode emoji, or a server's <:name:id>.
func emojiOf(s string) *discord.ComponentEmoji {
	if s == "" {
		return nil
	}
	if m := customEmoji.FindStringSubmatch(s); m != nil {
		id, _ := snowflake.Parse(m[3])
		return &discord.ComponentEmoji{ID: id, Name: m[2], Animated: m[1] == "a"}
	}
	return &discord.ComponentEmoji{Name: s}
}

var styles = map[string]discord.ButtonStyle{"primary": discord.ButtonStylePrimary, "secondary": discord.ButtonStyleSecondary,
	"success": discord.ButtonStyleSuccess, "danger": discord.ButtonStyleDanger}

// panelMessage is a panel as Discord shows it: its embed, and its buttons
// (rows of five) or one select menu of its categories. Its title, text and
// labels are the server's own words; only the menu's placeholder is ours,
// in the server's channel language (l).
func panelMessage(l i18n.Locale, p guild.Panel) ([]discord.Embed, []discord.LayoutComponent) {
	color := p.Color
	if color == 0 {
		color = 0x5865F2
	}
	embed := discord.Embed{Title: p.Title, Description: p.Text, Color: color}
	if p.Image != "" {
		embed.Image = &discord.EmbedResource{URL: p.Image}
	}
	var rows []discord.LayoutComponent
	if p.Select {
		var opts []discord.StringSelectMenuOption
		for _, b := range p.Buttons {
			o := discord.NewStringSelectMenuOption(b.Label, b.Category)
			o.Emoji = emojiOf(b.Emoji)
			opts = append(opts, o)
		}
		return []discord.Embed{embed}, []discord.LayoutComponent{discord.NewActionRow(discord.NewStringSelectMenu(idPanelCategory, l.T("bot.panel.select_placeholder"), opts...))}
	}
	var row []discord.InteractiveComponent
	for i, b := range p.Buttons {
		btn := discord.NewButton(styles[b.Style], b.Label, idPanelOpenIn+b.Category+"/"+strconv.Itoa(i), "", 0)
		btn.Emoji = emojiOf(b.Emoji)
		row = append(row, btn)
		if len(row) == 5 || i == len(p.Buttons)-1 {
			rows = append(rows, discord.NewActionRow(row...))
			row = nil
		}
	}
	return []discord.Embed{embed}, rows
}

// postPanel posts a panel where it was asked and records the post, which
// later edits of the panel update in place.
func (r *Reactor) postPanel(ctx context.Context, e projections.Event, ev guild.PanelPostRequested) error {
	s, err := r.bot.app.Settings(ctx, ev.Guild)
	if err != nil {
		return err
	}
	p, ok := s.Panel(ev.Panel)
	if !ok {
		return nil // removed since
	}
	embeds, rows := panelMessage(r.bot.channelLocale(ctx, s), p)
	msg, err := r.rest.CreateMessage(snowflake.ID(ev.Channel), discord.MessageCreate{Embeds: embeds, Components: rows,
		Nonce: nonce("panel", ev.Panel, ev.Channel.String(), strconv.FormatInt(e.Position, 10)), EnforceNonce: true,
		AllowedMentions: &discord.AllowedMentions{}}, rest.WithCtx(ctx))
	if err != nil {
		if permanent(err) {
			r.bot.logger.Warn("a panel could not be posted", "guild", ev.Guild, "err", describe(err))
			return nil
		}
		return err
	}
	return r.bot.app.RecordPanelPosted(ctx, ev.Guild, ev.Panel, guild.PanelPost{Channel: ev.Channel, Message: domain.MessageID(msg.ID)},
		app.Meta{CommandID: "panel-posted/" + strconv.FormatInt(e.Position, 10), Actor: domain.Actor{Source: domain.SourceDiscord, Because: "the panel was posted"}})
}

// editPanel updates a changed panel's posts in place; a post deleted on
// Discord is skipped.
func (r *Reactor) editPanel(ctx context.Context, ev guild.PanelSaved) error {
	s, err := r.bot.app.Settings(ctx, ev.Guild)
	if err != nil {
		return err
	}
	p, ok := s.Panel(ev.Panel.Key)
	if !ok {
		return nil
	}
	embeds, rows := panelMessage(r.bot.channelLocale(ctx, s), p)
	for _, post := range s.PanelPosts(p.Key) {
		_, err := r.rest.UpdateMessage(snowflake.ID(post.Channel), snowflake.ID(post.Message),
			discord.MessageUpdate{Embeds: &embeds, Components: &rows}, rest.WithCtx(ctx))
		switch {
		case err == nil:
		case permanent(err):
			r.bot.logger.Info("a panel's post could not be edited", "guild", ev.Guild, "err", describe(err))
		default:
			return err
		}
	}
	return nil
}
