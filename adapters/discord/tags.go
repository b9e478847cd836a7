package discord

import (
	"context"
	"strings"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/handler"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/tag"
	"github.com/ticketify/ticketify/domain/ticket"
)

// tagRoutes are /tag (post a saved answer in the ticket), /tags (manage
// them) and the autocomplete of their names.
func (b *Bot) tagRoutes(r handler.Router) {
	r.SlashCommand("/tag", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
		t, err := b.app.PostTag(ctx, id, p, d.String("name"), a.meta())
		if err != nil {
			return reply{}, err
		}
		return tagReply(t), nil
	}))
	r.Autocomplete("/tag", b.autocompleteTags)
	r.Route("/tags", func(r handler.Router) {
		r.SlashCommand("/add", b.cmdSaveTag(false))
		r.SlashCommand("/edit", b.cmdSaveTag(true))
		r.SlashCommand("/remove", func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
			return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
				name := tag.Normalize(d.String("name"))
				return ephemeral(a.locale.T("bot.tags.removed", "Tag", name)), b.app.RemoveTag(ctx, a.guild, a.member(), name, a.meta())
			})
		})
		r.SlashCommand("/list", b.cmdListTags)
		r.Autocomplete("/edit", b.autocompleteTags)
		r.Autocomplete("/remove", b.autocompleteTags)
	})
}

// tagReply is a tag as posted: its text and embed, mentioning nobody.
func tagReply(t tag.Tag) reply {
	r := reply{content: t.Text}
	if !t.Embed.IsZero() {
		r.embeds = []discord.Embed{{Title: t.Embed.Title, Description: t.Embed.Description, Color: t.Embed.Color}}
	}
	return r
}

// cmdSaveTag is /tags add, or /tags edit: the options given replace the
// tag's fields ("-" clears one).
func (b *Bot) cmdSaveTag(edit bool) handler.SlashCommandHandler {
	return func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			t := tag.Tag{Name: tag.Normalize(d.String("name"))}
			if edit {
				lib, err := b.app.Tags(ctx, a.guild)
				if err != nil {
					return reply{}, err
				}
				if cur, ok := lib.Get(t.Name); ok {
					t = cur
				}
			}
			for opt, field := range map[string]*string{"text": &t.Text, "embed-title": &t.Embed.Title, "embed-text": &t.Embed.Description} {
				if v, ok := d.OptString(opt); ok {
					if v == "-" {
						v = ""
					}
					*field = v
				}
			}
			if v, ok := d.OptString("colour"); ok {
				t.Embed.Color = 0
				if v != "-" {
					c, err := tag.ParseColour(v)
					if err != nil {
						return reply{}, err
					}
					t.Embed.Color = c
				}
			}
			save := b.app.AddTag
			if edit {
				save = b.app.EditTag
			}
			if err := save(ctx, a.guild, a.member(), t, a.meta()); err != nil {
				return reply{}, err
			}
			return ephemeral(a.locale.T("bot.tags.saved", "Tag", t.Name)), nil
		})
	}
}

// cmdListTags is /tags list: the names, for staff.
func (b *Bot) cmdListTags(_ discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		s, err := b.app.Settings(ctx, a.guild)
		if err != nil {
			return reply{}, err
		}
		if err := s.MayRead(a.member()); err != nil {
			return reply{}, err
		}
		lib, err := b.app.Tags(ctx, a.guild)
		if err != nil {
			return reply{}, err
		}
		if lib.Len() == 0 {
			return ephemeral(a.locale.T("bot.tags.none")), nil
		}
		var sb strings.Builder
		sb.WriteString(a.locale.N("bot.tags.list", lib.Len()) + "\n")
		for i, t := range lib.All() {
			line := "`" + t.Name + "` "
			if sb.Len()+len(line) > 1900 {
				sb.WriteString(a.locale.N("bot.tags.more", lib.Len()-i))
				break
			}
			sb.WriteString(line)
		}
		return ephemeral(sb.String()), nil
	})
}

// autocompleteTags offers the tag names matching what staff typed; others
// are offered nothing.
func (b *Bot) autocompleteTags(e *handler.AutocompleteEvent) error {
	a := actorIn(e.Ctx)
	choices := []discord.AutocompleteChoice{}
	s, err := b.app.Settings(e.Ctx, a.guild)
	if err != nil {
		return err
	}
	if s.IsStaff(a.roles, a.manageServer) {
		lib, err := b.app.Tags(e.Ctx, a.guild)
		if err != nil {
			return err
		}
		for _, n := range lib.Matching(e.Data.String("name"), 25) {
			choices = append(choices, discord.AutocompleteChoiceString{Name: n, Value: n})
		}
	}
	return e.AutocompleteResult(choices)
}
