package dashboard

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/tag"
)

// panelView is a panel as its editor shows it.
type panelView struct {
	guild.Panel
	Lines string // its buttons as the form takes them
	Posts int
}

// panelsPage lists the server's panels with their previews, and forms to
// add, edit, post and remove them.
func (d *Dashboard) panelsPage(c *fiber.Ctx, s *staffCtx) error {
	done, refused := banners(c)
	return d.showPanels(c, s, done, refused, nil)
}

func (d *Dashboard) showPanels(c *fiber.Ctx, s *staffCtx, done, refused string, typed *guild.Panel) error {
	settings, err := d.app.Settings(c.UserContext(), s.guild)
	if err != nil {
		return d.unavailable(c, err)
	}
	var list []panelView
	for _, p := range settings.Panels() {
		list = append(list, panelView{Panel: p, Lines: buttonLines(p.Buttons), Posts: len(settings.PanelPosts(p.Key))})
	}
	draft := panelView{Panel: guild.Panel{Buttons: []guild.PanelButton{}}}
	if typed != nil {
		draft = panelView{Panel: *typed, Lines: buttonLines(typed.Buttons)}
	}
	data := map[string]any{"Panels": list, "Draft": draft, "Categories": settings.Categories()}
	if d.dir != nil {
		channels, err := d.dir.GuildTextChannels(c.UserContext(), s.guild)
		if err != nil {
			d.logger.Warn("guild channels not read", "guild", s.guild, "err", err)
		}
		data["Channels"] = channels
	}
	return d.render(c, "panels", page{Title: localeOf(c).T("web.panels.title"), Guild: s, Tab: "panels", Flash: done, Error: refused, Data: data})
}

func buttonLines(bs []guild.PanelButton) string {
	var lines []string
	for _, b := range bs {
		lines = append(lines, strings.Join([]string{b.Category, b.Label, b.Emoji, b.Style}, " | "))
	}
	return strings.Join(lines, "\n")
}

// panelsForm is POST …/panels/save, …/panels/remove and …/panels/post: the
// same use cases as /setup panel-save, panel-remove and panel on Discord.
func (d *Dashboard) panelsForm(c *fiber.Ctx, s *staffCtx) error {
	in, _ := inputOf(c)
	ctx, by, m := c.UserContext(), s.member, meta(s)
	var done notice
	var err error
	var typed *guild.Panel
	switch c.Params("what") {
	case "save":
		p := guild.Panel{Key: strings.TrimSpace(in("key")), Title: in("embed_title"), Text: in("embed_text"), Image: in("image"), Select: checked(in("select"))}
		typed = &p
		if p.Buttons, err = guild.ParsePanelButtons(in("buttons")); err == nil {
			if colour := strings.TrimSpace(in("colour")); colour != "" {
				p.Color, err = tag.ParseColour(colour)
			}
		}
		if err == nil {
			done, err = noticePanelSaved, d.app.SavePanel(ctx, s.guild, by, p, m)
		}
	case "remove":
		done, err = noticePanelRemoved, d.app.RemovePanel(ctx, s.guild, by, in("key"), m)
	case "post":
		var ch domain.ChannelID
		if ch, err = domain.ParseChannelID(in("channel")); err != nil {
			err = domain.Refuse(domain.ErrInvalid, "web.refusals.choose_text_channel")
		} else if err = d.channelHere(c, s, ch); err == nil {
			done, err = noticePanelPosted, d.app.RequestPanelPost(ctx, s.guild, by, in("key"), ch, m)
		}
	default:
		return d.fail(c, fiber.StatusNotFound, "web.errors.unknown_action")
	}
	if msg, ok := refusal(localeOf(c), err); ok {
		c.Status(statusOf(err))
		return d.showPanels(c, s, "", msg, typed)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	return back(c, "/guilds/"+s.guild.String()+"/panels", done)
}

// channelHere refuses a channel that is not one of the server's text
// channels as the bot sees them (an id from a form is checked against the
// guild it came from).
func (d *Dashboard) channelHere(c *fiber.Ctx, s *staffCtx, ch domain.ChannelID) error {
	if d.dir == nil {
		return domain.Refuse(domain.ErrConflict, "web.refusals.no_bot")
	}
	channels, err := d.dir.GuildTextChannels(c.UserContext(), s.guild)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(channels, func(n Named) bool { return n.ID == ch.String() }) {
		return domain.Refuse(domain.ErrNotFound, "web.refusals.not_this_servers_channel")
	}
	return nil
}
