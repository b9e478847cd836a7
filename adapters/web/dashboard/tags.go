package dashboard

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/domain/tag"
)

// tagsPage lists the server's saved answers with their previews, and
// forms to add, edit and remove them.
func (d *Dashboard) tagsPage(c *fiber.Ctx, s *staffCtx) error {
	done, refused := banners(c)
	return d.showTags(c, s, done, refused, nil)
}

// showTags renders the tags page; typed is what a refused form held, shown
// again so nothing typed is lost.
func (d *Dashboard) showTags(c *fiber.Ctx, s *staffCtx, done, refused string, typed *tag.Tag) error {
	lib, err := d.app.Tags(c.UserContext(), s.guild)
	if err != nil {
		return d.unavailable(c, err)
	}
	draft := tag.Tag{}
	if typed != nil {
		draft = *typed
	}
	p := page{Title: localeOf(c).T("web.tags.title"), Guild: s, Tab: "tags", Flash: done, Error: refused,
		Data: map[string]any{"Tags": lib.All(), "Draft": draft, "Max": map[string]int{"Name": tag.MaxNameLength, "Text": tag.MaxTextLength,
			"Title": tag.MaxEmbedTitle, "Description": tag.MaxEmbedDescription}}}
	return d.render(c, "tags", p)
}

// tagsForm is POST …/tags/add, …/tags/edit and …/tags/remove: the same use
// cases as /tags on Discord.
func (d *Dashboard) tagsForm(c *fiber.Ctx, s *staffCtx) error {
	in, _ := inputOf(c)
	t := tag.Tag{Name: in("name"), Text: in("text"), Embed: tag.Embed{Title: in("embed_title"), Description: in("embed_text")}}
	var err error
	if colour := strings.TrimSpace(in("colour")); colour != "" {
		t.Embed.Color, err = tag.ParseColour(colour)
	}
	ctx, by, m := c.UserContext(), s.member, meta(s)
	var done notice
	if err == nil {
		switch c.Params("what") {
		case "add":
			done, err = noticeTagAdded, d.app.AddTag(ctx, s.guild, by, t, m)
		case "edit":
			done, err = noticeTagSaved, d.app.EditTag(ctx, s.guild, by, t, m)
		case "remove":
			done, err = noticeTagRemoved, d.app.RemoveTag(ctx, s.guild, by, t.Name, m)
		default:
			return d.fail(c, fiber.StatusNotFound, "web.errors.unknown_action")
		}
	}
	if msg, ok := refusal(localeOf(c), err); ok {
		c.Status(statusOf(err))
		if c.Params("what") == "add" {
			return d.showTags(c, s, "", msg, &t)
		}
		return d.showTags(c, s, "", msg, nil)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	return back(c, "/guilds/"+s.guild.String()+"/tags", done)
}
