package discord

import (
	"context"
	"fmt"
	"strings"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
)

// The message context-menu open: "Open ticket about this message" opens a
// ticket for whoever used it, quoting the message. A category picker or a
// form in between carries the message by its ids, and the message is read
// again (from this server only) when the ticket opens.
const (
	aboutCommand    = "Open ticket about this message"
	idAboutCategory = "/about/category/" // + channel + "/" + message
	idAboutForm     = "/form/about/"     // + category + "/" + channel + "/" + message
)

func (b *Bot) aboutRoutes(r handler.Router) {
	r.MessageCommand("/"+aboutCommand, func(d discord.MessageCommandInteractionData, e *handler.CommandEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			msg := d.TargetMessage()
			return b.aboutFlow(ctx, a, "", msg.ChannelID, msg.ID, &msg, nil)
		})
	})
	r.SelectMenuComponent(idAboutCategory+"{channel}/{message}", func(_ discord.SelectMenuInteractionData, e *handler.ComponentEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			values := e.StringSelectMenuInteractionData().Values
			ch, msg, err := aboutRef(e.Vars)
			if err != nil || len(values) != 1 {
				return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.pick_one_category")
			}
			return b.aboutFlow(ctx, a, values[0], ch, msg, nil, nil)
		})
	})
	r.Modal(idAboutForm+"{category}/{channel}/{message}", func(e *handler.ModalEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			ch, msg, err := aboutRef(e.Vars)
			if err != nil {
				return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.form_no_message")
			}
			return b.aboutFlow(ctx, a, e.Vars["category"], ch, msg, nil, formAnswers(e.Data))
		})
	})
}

func aboutRef(vars map[string]string) (snowflake.ID, snowflake.ID, error) {
	ch, err := snowflake.Parse(vars["channel"])
	if err != nil {
		return 0, 0, err
	}
	msg, err := snowflake.Parse(vars["message"])
	return ch, msg, err
}

// aboutFlow asks for the category and the form when needed, then opens the
// ticket with the message quoted. answers is nil until the form was sent.
func (b *Bot) aboutFlow(ctx context.Context, a actor, category string, ch, id snowflake.ID, msg *discord.Message, answers []string) (reply, error) {
	s, err := b.app.Settings(ctx, a.guild)
	if err != nil {
		return reply{}, err
	}
	ref := ch.String() + "/" + id.String()
	cats := s.Categories()
	if category == "" && len(cats) > 1 {
		return categoryPicker(a.locale, idAboutCategory+ref, cats), nil
	}
	if category == "" && len(cats) == 1 {
		category = cats[0].Key
	}
	if c, ok := s.Category(category); ok && len(c.Questions) > 0 && answers == nil {
		m := formModal(a.locale, c)
		m.CustomID = idAboutForm + c.Key + "/" + ref
		return reply{modal: &m}, nil
	}
	if msg == nil {
		// The picker and the form come from where the menu was used: a
		// message anywhere else (a crafted custom id) is not theirs to quote.
		if domain.ChannelID(ch) != a.channel {
			return reply{}, domain.Refuse(domain.ErrNotFound, "bot.errors.message_not_in_channel")
		}
		if msg, err = b.messageHere(ctx, a.guild, ch, id); err != nil {
			return reply{}, err
		}
	}
	// The topic and the quote are stored with the ticket (and exported):
	// like what people write, they are not translated.
	o, err := b.app.OpenTicket(ctx, app.OpenTicket{Guild: a.guild, Opener: a.user, OpenerName: a.username, Roles: a.roles, Category: category,
		Topic: "About a message by " + msg.Author.EffectiveName(), Answers: answers, About: quote(a.guild, *msg), Meta: a.meta()})
	if err != nil {
		return reply{}, err
	}
	return b.openedReply(a.locale, o, 0), nil
}

// messageHere reads a message again by its ids, refusing one that is not in
// this server.
func (b *Bot) messageHere(ctx context.Context, g domain.GuildID, ch, id snowflake.ID) (*discord.Message, error) {
	c, err := b.client.Rest.GetChannel(ch, rest.WithCtx(ctx))
	if err != nil {
		return nil, err
	}
	gc, ok := c.(discord.GuildChannel)
	if !ok || gc.GuildID() != snowflake.ID(g) {
		return nil, domain.Refuse(domain.ErrNotFound, "bot.errors.message_not_in_server")
	}
	return b.client.Rest.GetMessage(ch, id, rest.WithCtx(ctx))
}

// quote is a message as the ticket keeps it: who wrote it, its text
// (shortened) and a link to it.
func quote(g domain.GuildID, m discord.Message) string {
	link := fmt.Sprintf("https://discord.com/channels/%s/%s/%s", g, m.ChannelID, m.ID)
	text := strings.TrimSpace(m.Content)
	if text == "" {
		text = "(no text)"
	}
	room := ticket.MaxAboutLength - len(link) - 40
	if r := []rune(text); len(r) > room {
		text = string(r[:room]) + "…"
	}
	return fmt.Sprintf("<@%s>: %s\n%s", m.Author.ID, text, link)
}
