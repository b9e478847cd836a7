package discord

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/disgoorg/disgo/bot"
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/events"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
	"github.com/ticketify/ticketify/internal/platform/panics"
	"github.com/ticketify/ticketify/internal/platform/tracing"
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

// ephemeral is a private answer, in the person's language (its text comes
// from actor.locale's catalogue).
func ephemeral(text string) reply { return reply{content: text, ephemeral: true} }

// public is an answer everyone in the channel sees. It is an answer all the
// same, so it speaks the language of the person who asked (actor.locale),
// not the server's channel language: it answers them, and everything the
// bot posts by itself in the channel (the welcome, a close's notice with
// its Reopen button, the close request, warnings) is in the channel
// language.
func public(text string) reply { return reply{content: text} }

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
	username     string // their Discord user name, for a channel naming scheme
	roles        []domain.RoleID
	manageServer bool
	source       domain.Source
	// locale is the person's language, as their Discord client says
	// (every interaction carries it): the language of every answer to them.
	locale i18n.Locale
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
	Locale() discord.Locale
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
	a := actor{id: e.ID().String(), user: domain.UserID(e.User().ID), username: e.User().Username, source: source, channel: domain.ChannelID(e.Channel().ID()),
		locale: i18n.Of(string(e.Locale()))}
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

// answering is the disgo handler middleware every route runs behind
// (routes.go: Use). It answers within Discord's 3 seconds: the route's
// handler runs in its own goroutine, and if it has not answered after
// AckAfter the middleware defers (publicly for the commands whose answer is
// public) and the handler's answer is then edited in. An error the handler
// returns becomes its reply (toReply), a panic the error reply; every use of
// a known route is counted for analytics, after the work, except a refusal
// of a ticket elsewhere (that appends nothing at all).
//
// It returns at once: disgo dispatches every event, gateway ones included,
// one at a time under one lock, so a handler that waited here would stall
// the gateway (heartbeats included).
func (b *Bot) answering(next handler.Handler) handler.Handler {
	return func(e *handler.InteractionEvent) (err error) {
		defer panics.Recover(&err)
		if _, ok := e.Interaction.(discord.AutocompleteInteraction); ok {
			return b.autocompleting(next, e)
		}
		use := useOf(e)
		a, inGuild := actorOf(e, use.source)
		if !inGuild && !use.direct {
			return e.CreateMessage(ephemeral(a.locale.T("bot.errors.servers_only")).create())
		}
		r := &responder{e: e, respond: e.Respond, ephemeralDefer: !use.publicDefer, locale: a.locale}
		created := *e.InteractionCreate
		created.Respond = r.answer
		ctx, cancel := context.WithTimeout(context.WithValue(b.work, actorKey{}, a), 60*time.Second)
		ctx, span := tracing.Tracer().Start(tracing.WithCorrelation(ctx, a.id), "interaction "+use.name, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("ticketify.interaction_id", a.id), attribute.String("ticketify.guild_id", a.guild.String())))
		unknown := new(bool)
		ctx = context.WithValue(ctx, unknownKey{}, unknown)
		ev := &handler.InteractionEvent{InteractionCreate: &created, Vars: e.Vars, Ctx: ctx}
		late := time.AfterFunc(b.cfg.AckAfter, r.deferNow)
		b.busy.Add(1)
		start := time.Now()
		go func() {
			defer b.busy.Add(-1)
			defer cancel()
			var err error
			defer func() { // after the answer and the usage record, which are the interaction's too
				b.metrics.ObserveInteraction(use.name, time.Since(start), r.wasDeferred())
				tracing.End(span, err)
			}()
			err = func() (err error) { defer panics.Recover(&err); return next(ev) }()
			late.Stop()
			if err != nil {
				if aerr := b.answerWith(ctx, r, b.toReply(reply{}, err, a)); aerr != nil {
					b.logger.WarnContext(ctx, "answering an interaction failed", "interaction", a.id, "err", aerr)
				}
			}
			if *unknown || errors.Is(err, ticket.ErrNotHere) {
				if !*unknown {
					b.logger.InfoContext(ctx, "refused an interaction for a ticket elsewhere", "interaction", a.id, "command", use.name)
				}
				return
			}
			if err := b.recordUse(ctx, ev, a, use.name); err != nil {
				b.logger.WarnContext(ctx, "recording command usage failed", "command", use.name, "err", err)
			}
		}()
		return nil
	}
}

// autocompleting runs an autocomplete route. It has no deferral and is not
// counted as a use: it answers within Discord's 3 seconds or not at all
// (Discord then shows no suggestions). Like every route it runs beside
// disgo's dispatch, never inside it.
func (b *Bot) autocompleting(next handler.Handler, e *handler.InteractionEvent) error {
	a, inGuild := actorOf(e, domain.SourceSlashCommand)
	if !inGuild {
		return e.Respond(discord.InteractionResponseTypeAutocompleteResult, discord.AutocompleteResult{Choices: []discord.AutocompleteChoice{}})
	}
	ctx, cancel := context.WithTimeout(context.WithValue(b.work, actorKey{}, a), 2500*time.Millisecond)
	ev := &handler.InteractionEvent{InteractionCreate: e.InteractionCreate, Vars: e.Vars, Ctx: ctx}
	b.busy.Add(1)
	go func() {
		defer b.busy.Add(-1)
		defer cancel()
		if err := func() (err error) { defer panics.Recover(&err); return next(ev) }(); err != nil {
			b.logger.Warn("suggesting failed", "interaction", a.id, "err", err)
		}
	}()
	return nil
}

type actorKey struct{}
type unknownKey struct{}

// actorIn is the actor the answering middleware found for the interaction.
func actorIn(ctx context.Context) actor {
	a, _ := ctx.Value(actorKey{}).(actor)
	return a
}

// markUnknown tells the answering middleware that no route knew the
// interaction, so no use is counted.
func markUnknown(ctx context.Context) {
	if u, ok := ctx.Value(unknownKey{}).(*bool); ok {
		*u = true
	}
}

// do runs a route's work and answers with its reply; an error is answered
// by the middleware.
func (b *Bot) do(ctx context.Context, e interaction, w work) error {
	r, err := w(ctx, actorIn(ctx))
	if err != nil {
		return err
	}
	return b.answerWith(ctx, e, r)
}

// answerer is how a reply is sent: the interaction (its responses pass
// through the middleware's responder) or the responder itself.
type answerer interface {
	CreateMessage(discord.MessageCreate, ...rest.RequestOpt) error
	UpdateInteractionResponse(discord.MessageUpdate, ...rest.RequestOpt) (*discord.Message, error)
}

// answerWith sends a reply — a form, or a message — then runs its then and
// edits the answer with what that returns.
func (b *Bot) answerWith(ctx context.Context, e answerer, r reply) error {
	if r.modal != nil {
		if m, ok := e.(modalAnswerer); ok {
			return m.Modal(*r.modal)
		}
	}
	if err := e.CreateMessage(r.create()); err != nil {
		return err
	}
	if r.then == nil {
		return nil
	}
	next, ok := r.then(ctx)
	if !ok {
		return nil
	}
	_, err := e.UpdateInteractionResponse(next.update())
	return err
}

// use is what a route's use is counted as, and how a slow answer defers.
type use struct {
	name        string
	source      domain.Source
	publicDefer bool // the answer is public: so is the "thinking…" deferral
	// direct routes also answer in a direct message with the bot, where
	// the interaction has no server: their handlers take the participant
	// as Direct (buttonParticipant) and the decision admits only the opener.
	direct bool
}

// uses names the routes reached by custom id (buttons, menus, forms).
var uses = []struct {
	prefix string
	use    use
}{
	{idClaim, use{name: "button:claim", source: domain.SourceButton, publicDefer: true}},
	{idReopen, use{name: "button:reopen", source: domain.SourceButton, publicDefer: true}},
	{idKeepOpen, use{name: "button:keep-open", source: domain.SourceButton, publicDefer: true}},
	{idRate, use{name: "button:rate", source: domain.SourceButton, direct: true}},
	{idRateForm, use{name: "modal:rate", source: domain.SourceModal, direct: true}},
	{idAcceptClose, use{name: "button:close-request-accept", source: domain.SourceButton, publicDefer: true}},
	{idDenyClose, use{name: "button:close-request-deny", source: domain.SourceButton, publicDefer: true}},
	{idClose, use{name: "button:close", source: domain.SourceButton, publicDefer: false}},
	{idCloseForm, use{name: "modal:close", source: domain.SourceModal, publicDefer: true}},
	{idPanelOpenIn, use{name: "button:open-in", source: domain.SourceButton}},
	{idPanelOpen, use{name: "button:open", source: domain.SourceButton, publicDefer: false}},
	{idAboutCategory, use{name: "select:about-category", source: domain.SourceButton}},
	{idAboutForm, use{name: "modal:about", source: domain.SourceModal}},
	{idPanelCategory, use{name: "select:category", source: domain.SourceButton, publicDefer: false}},
	{idOpenForm, use{name: "modal:open", source: domain.SourceModal, publicDefer: false}},
	{idEraseGuild, use{name: "button:erase-guild", source: domain.SourceButton, publicDefer: false}},
	{idEraseForm, use{name: "modal:erase-guild", source: domain.SourceModal, publicDefer: false}},
}

// publicCommands are the slash commands whose answer everyone in the
// channel sees.
var publicCommands = map[string]bool{"ticket close": true, "ticket claim": true, "ticket unclaim": true, "ticket add": true,
	"ticket remove": true, "ticket rename": true, "ticket priority": true, "ticket reopen": true, "ticket transfer": true, "ticket move": true, "tag": true}

// useOf names an interaction's use from its command path or custom id.
func useOf(e *handler.InteractionEvent) use {
	switch i := e.Interaction.(type) {
	case discord.ApplicationCommandInteraction:
		name := strings.ToLower(i.Data.CommandName()) // a context-menu command's name has capitals and spaces
		if d, ok := i.Data.(discord.SlashCommandInteractionData); ok {
			name = strings.ReplaceAll(strings.TrimPrefix(d.CommandPath(), "/"), "/", " ")
		}
		return use{name: name, source: domain.SourceSlashCommand, publicDefer: publicCommands[name]}
	case discord.ComponentInteraction:
		return useOfCustomID(i.Data.CustomID(), domain.SourceButton)
	case discord.ModalSubmitInteraction:
		return useOfCustomID(i.Data.CustomID, domain.SourceModal)
	}
	return use{name: "unknown", source: domain.SourceDiscord}
}

func useOfCustomID(id string, source domain.Source) use {
	for _, u := range uses {
		if id == u.prefix || (strings.HasSuffix(u.prefix, "/") && strings.HasPrefix(id, u.prefix)) {
			return u.use
		}
	}
	return use{name: "unknown", source: source}
}

// responder stands between a route's handler and Discord: the handler
// answers as if it had all the time it needs; after AckAfter the responder
// has deferred, and turns the handler's answer into an edit of the
// deferred one.
type responder struct {
	e              *handler.InteractionEvent // the event as disgo gave it (its REST methods)
	respond        events.InteractionResponderFunc
	ephemeralDefer bool
	locale         i18n.Locale // the person's: the language of its own notes

	mu       sync.Mutex
	deferred bool
	answered bool
}

// wasDeferred reports whether the answer was deferred.
func (r *responder) wasDeferred() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.deferred
}

// deferNow sends the "thinking…" answer, unless the handler answered.
func (r *responder) deferNow() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.answered || r.deferred {
		return
	}
	r.deferred = true
	_ = r.e.DeferCreateMessage(r.ephemeralDefer)
}

// answer is the handler's Respond.
func (r *responder) answer(t discord.InteractionResponseType, data discord.InteractionResponseData, opts ...rest.RequestOpt) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.answered {
		return discord.ErrInteractionAlreadyReplied
	}
	r.answered = true
	if !r.deferred {
		return r.respond(t, data, opts...)
	}
	m, ok := data.(discord.MessageCreate)
	if t == discord.InteractionResponseTypeModal || !ok { // a form cannot follow a deferral
		m = ephemeral(r.locale.T("bot.errors.form_too_late")).create()
	}
	if !r.ephemeralDefer && m.Flags.Has(discord.MessageFlagEphemeral) {
		// A private answer after a public deferral: replace it with a private note.
		_ = r.e.DeleteInteractionResponse()
		_, err := r.e.CreateFollowupMessage(m)
		return err
	}
	_, err := r.e.UpdateInteractionResponse(updateOf(m))
	return err
}

// CreateMessage answers with a message, as the interaction would.
func (r *responder) CreateMessage(m discord.MessageCreate, opts ...rest.RequestOpt) error {
	return r.answer(discord.InteractionResponseTypeCreateMessage, m, opts...)
}

// UpdateInteractionResponse edits the answer.
func (r *responder) UpdateInteractionResponse(m discord.MessageUpdate, opts ...rest.RequestOpt) (*discord.Message, error) {
	return r.e.UpdateInteractionResponse(m, opts...)
}

// updateOf is a message as an edit of the deferred answer.
func updateOf(m discord.MessageCreate) discord.MessageUpdate {
	content, embeds, components := m.Content, m.Embeds, m.Components
	return discord.MessageUpdate{Content: &content, Embeds: &embeds, Components: &components, Files: m.Files,
		AllowedMentions: m.AllowedMentions}
}

// recordUse counts a command's use and records the user's profile when it
// changed.
func (b *Bot) recordUse(ctx context.Context, e interaction, a actor, usage string) (err error) {
	defer panics.Recover(&err)
	if a.guild.IsZero() {
		return nil // a direct message: no server to count it for (the rating itself is counted)
	}
	if err := b.app.RecordUsage(ctx, a.guild, a.user, usage, a.meta()); err != nil {
		return err
	}
	b.observe(ctx, e.User())
	return nil
}

// toReply maps an error to what the person sees, once for every command.
func (b *Bot) toReply(r reply, err error, a actor) reply {
	var rule *domain.RuleError
	switch {
	case err == nil:
		return r
	case errors.As(err, &rule):
		return ephemeral(said.Refusal(a.locale, rule))
	case errors.Is(err, ticketviews.ErrNotFound):
		return ephemeral(a.locale.T("bot.errors.not_a_ticket"))
	case errors.Is(err, errViewsBehind):
		return ephemeral(a.locale.T("bot.errors.catching_up"))
	case errors.Is(err, eventstore.ErrConcurrency):
		return ephemeral(a.locale.T("bot.errors.concurrency"))
	case errors.Is(err, eventstore.ErrUnavailable):
		return ephemeral(a.locale.T("bot.errors.database_down"))
	default:
		var p *panics.Error
		if errors.As(err, &p) {
			b.logger.Error("interaction failed: a bug", "interaction", a.id, "err", err, "stack", p.Stack)
			return ephemeral(a.locale.T("bot.errors.bug", "Reference", a.id))
		}
		b.logger.Error("interaction failed", "interaction", a.id, "err", err)
		return ephemeral(a.locale.T("bot.errors.failed", "Reference", a.id))
	}
}

// notFound answers interactions no route knows.
func (b *Bot) notFound(e *handler.InteractionEvent) error {
	markUnknown(e.Ctx)
	b.logger.Info("unknown interaction", "interaction", e.ID().String(), "type", e.Type())
	return e.CreateMessage(ephemeral(i18n.Of(string(e.Locale())).T("bot.errors.unknown_interaction")).create())
}

// foreignIDListener answers components and modals whose custom id does not
// start with "/": the router ignores those, and an unanswered interaction
// would fail in the user's client without a word.
func (b *Bot) foreignIDListener() bot.EventListener {
	answer := func(id snowflake.ID, customID string, locale discord.Locale, create func(discord.MessageCreate, ...rest.RequestOpt) error) {
		if strings.HasPrefix(customID, "/") {
			return
		}
		b.logger.Info("interaction with an unknown custom id", "interaction", id.String(), "custom_id_length", len(customID))
		_ = create(ephemeral(i18n.Of(string(locale)).T("bot.errors.unknown_component")).create())
	}
	return &events.ListenerAdapter{
		OnComponentInteraction: func(e *events.ComponentInteractionCreate) {
			answer(e.ID(), e.Data.CustomID(), e.Locale(), e.CreateMessage)
		},
		OnModalSubmit: func(e *events.ModalSubmitInteractionCreate) {
			answer(e.ID(), e.Data.CustomID, e.Locale(), e.CreateMessage)
		},
	}
}

func (b *Bot) errorHandler(e *handler.InteractionEvent, err error) {
	b.logger.Error("interaction handler", "interaction", e.ID().String(), "err", err)
}
