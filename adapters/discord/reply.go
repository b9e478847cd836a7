package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/disgoorg/disgo/bot"
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/events"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/panics"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

// reply is what the bot answers to an interaction.
type reply struct {
	content    string
	embeds     []discord.Embed
	components []discord.LayoutComponent
	files      []*discord.File
	ephemeral  bool
	modal      *discord.ModalCreate
	// then, when set, runs after the answer is sent and edits it with what it
	// returns (false: leave it as it is).
	then func(ctx context.Context) (reply, bool)
}

func ephemeral(format string, args ...any) reply {
	return reply{content: fmt.Sprintf(format, args...), ephemeral: true}
}

func public(format string, args ...any) reply { return reply{content: fmt.Sprintf(format, args...)} }

func (r reply) create() discord.MessageCreate {
	m := discord.MessageCreate{Content: r.content, Embeds: r.embeds, Components: r.components, Files: r.files,
		AllowedMentions: &discord.AllowedMentions{}}
	if r.ephemeral {
		m.Flags = discord.MessageFlagEphemeral
	}
	return m
}

func (r reply) update() discord.MessageUpdate {
	content, embeds, components := r.content, r.embeds, r.components
	return discord.MessageUpdate{Content: &content, Embeds: &embeds, Components: &components, Files: r.files,
		AllowedMentions: &discord.AllowedMentions{}}
}

// actor is who sent an interaction, as the use cases need it.
type actor struct {
	id           string // the interaction id: the command id of everything it causes
	guild        domain.GuildID
	channel      domain.ChannelID
	user         domain.UserID
	roles        []domain.RoleID
	manageServer bool
	source       domain.Source
}

// member is the actor as the settings' rules need them.
func (a actor) member() guild.Member {
	return guild.Member{User: a.user, Roles: a.roles, ManageServer: a.manageServer}
}

func (a actor) meta() app.Meta {
	return app.Meta{CommandID: a.id, Actor: domain.Actor{User: a.user, Source: a.source}, Correlation: a.id}
}

// interaction is what answering needs of disgo's command, component and
// modal events alike.
type interaction interface {
	ID() snowflake.ID
	GuildID() *snowflake.ID
	Channel() discord.InteractionChannel
	User() discord.User
	Member() *discord.ResolvedMember
	CreateMessage(discord.MessageCreate, ...rest.RequestOpt) error
	DeferCreateMessage(bool, ...rest.RequestOpt) error
	UpdateInteractionResponse(discord.MessageUpdate, ...rest.RequestOpt) (*discord.Message, error)
	DeleteInteractionResponse(...rest.RequestOpt) error
	CreateFollowupMessage(discord.MessageCreate, ...rest.RequestOpt) (*discord.Message, error)
}

// modalAnswerer is an interaction that may be answered with a modal (not a
// modal submission).
type modalAnswerer interface {
	Modal(discord.ModalCreate, ...rest.RequestOpt) error
}

func actorOf(e interaction, source domain.Source) (actor, bool) {
	a := actor{id: e.ID().String(), user: domain.UserID(e.User().ID), source: source, channel: domain.ChannelID(e.Channel().ID())}
	if e.GuildID() == nil {
		return a, false
	}
	a.guild = domain.GuildID(*e.GuildID())
	if m := e.Member(); m != nil {
		for _, r := range m.RoleIDs {
			a.roles = append(a.roles, domain.RoleID(r))
		}
		a.manageServer = m.Permissions.Has(discord.PermissionManageGuild) || m.Permissions.Has(discord.PermissionAdministrator)
	}
	return a, true
}

// work is a command's body: it runs the use case and says what to answer.
type work func(ctx context.Context, a actor) (reply, error)

// run answers an interaction: directly when the work finishes within
// AckAfter, otherwise it defers (inside Discord's 3 seconds) and edits the
// answer in when the work is done. Every use is counted for analytics.
//
// It returns at once and answers from its own goroutine: disgo dispatches
// every event, gateway ones included, one at a time under one lock, so a
// handler that waited here would stall the gateway (heartbeats included).
//
// A panic anywhere in it — the work, the answer, the usage count — is
// recovered (the person gets the error reply, the log gets the stack) and
// never takes the process down.
func (b *Bot) run(e interaction, usage string, source domain.Source, publicDefer bool, w work) (err error) {
	defer panics.Recover(&err)
	a, inGuild := actorOf(e, source)
	if !inGuild {
		return e.CreateMessage(ephemeral("Ticketify works inside servers.").create())
	}
	go func() {
		err := func() (err error) {
			defer panics.Recover(&err)
			return b.answer(e, a, usage, publicDefer, w)
		}()
		if err != nil {
			b.logger.Warn("answering an interaction failed", "interaction", a.id, "err", err)
		}
	}()
	return nil
}

// protect runs a command's work, turning a panic into an error.
func protect(ctx context.Context, a actor, w work) (r reply, err error) {
	defer panics.Recover(&err)
	return w(ctx, a)
}

func (b *Bot) answer(e interaction, a actor, usage string, publicDefer bool, w work) error {
	type result struct {
		r   reply
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		r, err := protect(ctx, a, w)
		done <- result{r, err}
		// The use is counted after the work (beside the answer, not before
		// it), except a button or form naming another server's or channel's
		// ticket: that refusal appends nothing at all.
		if errors.Is(err, ticket.ErrNotHere) {
			b.logger.Info("refused an interaction for a ticket elsewhere", "interaction", a.id, "command", usage)
			return
		}
		if err := b.recordUse(ctx, e, a, usage); err != nil {
			b.logger.Warn("recording command usage failed", "command", usage, "err", err)
		}
	}()
	select {
	case out := <-done:
		r := b.toReply(out.r, out.err, a)
		if m, ok := e.(modalAnswerer); ok && r.modal != nil {
			return m.Modal(*r.modal)
		}
		if err := e.CreateMessage(r.create()); err != nil {
			return err
		}
		return b.follow(e, r)
	case <-time.After(b.cfg.AckAfter):
	}
	if err := e.DeferCreateMessage(!publicDefer); err != nil {
		return err
	}
	out := <-done
	r := b.toReply(out.r, out.err, a)
	if r.modal != nil { // a form cannot follow a deferral
		r = ephemeral("That took longer than Discord allows for opening a form; please try again.")
	}
	if publicDefer && r.ephemeral {
		// A refusal after a public deferral: replace it with a private note.
		_ = e.DeleteInteractionResponse()
		_, err := e.CreateFollowupMessage(r.create())
		return err
	}
	if _, err := e.UpdateInteractionResponse(r.update()); err != nil {
		return err
	}
	return b.follow(e, r)
}

// recordUse counts a command's use and records the user's profile when it
// changed.
func (b *Bot) recordUse(ctx context.Context, e interaction, a actor, usage string) (err error) {
	defer panics.Recover(&err)
	if err := b.app.RecordUsage(ctx, a.guild, a.user, usage, a.meta()); err != nil {
		return err
	}
	b.observe(ctx, e.User())
	return nil
}

// follow runs a reply's then and edits the answer with its result.
func (b *Bot) follow(e interaction, r reply) error {
	if r.then == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	next, ok := r.then(ctx)
	if !ok {
		return nil
	}
	_, err := e.UpdateInteractionResponse(next.update())
	return err
}

// toReply maps an error to what the person sees, once for every command.
func (b *Bot) toReply(r reply, err error, a actor) reply {
	var rule *domain.RuleError
	switch {
	case err == nil:
		return r
	case errors.As(err, &rule):
		return ephemeral("%s", rule.Message)
	case errors.Is(err, ticketviews.ErrNotFound):
		return ephemeral("This only works inside a ticket channel.")
	case errors.Is(err, errViewsBehind):
		return ephemeral("Ticketify is still catching up after a restart; nothing was changed. Please try again in a moment.")
	case errors.Is(err, eventstore.ErrConcurrency):
		return ephemeral("Too many changes to this at once; please try again.")
	case errors.Is(err, eventstore.ErrUnavailable):
		return ephemeral("Ticketify's database is not answering right now; nothing was changed. Please try again in a moment.")
	default:
		var p *panics.Error
		if errors.As(err, &p) {
			b.logger.Error("interaction failed: a bug", "interaction", a.id, "err", err, "stack", p.Stack)
			return ephemeral("Something went wrong on our side. (reference %s)", a.id)
		}
		b.logger.Error("interaction failed", "interaction", a.id, "err", err)
		return ephemeral("Something went wrong; nothing was changed. (reference %s)", a.id)
	}
}

// notFound answers interactions no route knows.
func (b *Bot) notFound(e *handler.InteractionEvent) error {
	b.logger.Info("unknown interaction", "interaction", e.ID().String(), "type", e.Type())
	return e.CreateMessage(ephemeral("I don't know that command or button. It may be from an older version of Ticketify.").create())
}

// foreignIDListener answers components and modals whose custom id does not
// start with "/": the router ignores those, and an unanswered interaction
// would fail in the user's client without a word.
func (b *Bot) foreignIDListener() bot.EventListener {
	answer := func(id snowflake.ID, customID string, create func(discord.MessageCreate, ...rest.RequestOpt) error) {
		if strings.HasPrefix(customID, "/") {
			return
		}
		b.logger.Info("interaction with an unknown custom id", "interaction", id.String(), "custom_id_length", len(customID))
		_ = create(ephemeral("I don't know that button or form. It may be from an older version of Ticketify.").create())
	}
	return &events.ListenerAdapter{
		OnComponentInteraction: func(e *events.ComponentInteractionCreate) {
			answer(e.ID(), e.Data.CustomID(), e.CreateMessage)
		},
		OnModalSubmit: func(e *events.ModalSubmitInteractionCreate) {
			answer(e.ID(), e.Data.CustomID, e.CreateMessage)
		},
	}
}

func (b *Bot) errorHandler(e *handler.InteractionEvent, err error) {
	b.logger.Error("interaction handler", "interaction", e.ID().String(), "err", err)
}
