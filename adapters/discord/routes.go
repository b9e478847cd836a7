package discord

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/ticketify/ticketify/internal/i18n"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/tag"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

// Custom ids of components and modals. They start with "/" so the router
// routes them; the ticket id travels in the path.
//
// WARNING: these ids live in messages already posted on Discord; renaming
// one breaks the buttons of every existing ticket.
const (
	idPanelOpen     = "/panel/open"
	idPanelCategory = "/panel/category"
	idOpenForm      = "/form/open/"    // + category key
	idClaim         = "/ticket/claim/" // + ticket id
	idClose         = "/ticket/close/"
	idCloseForm     = "/form/close/"
	idReopen        = "/ticket/reopen/"
	idKeepOpen      = "/ticket/keep-open/"
	idAcceptClose   = "/ticket/close-request/accept/" // + ticket id + "/" + request number
	idRate          = "/ticket/rate/"                 // + ticket id + "/" + stars
	idRateForm      = "/form/rate/"
	rateCommentID   = "comment"
	idDenyClose     = "/ticket/close-request/deny/"
	idEraseGuild    = "/privacy/erase-guild"
	idTranscriptDMs = "/privacy/transcript-dms/" // + "off" (refuse) or "on"
	idEraseForm     = "/form/erase-guild"
	closeReasonID   = "reason"
	eraseConfirmID  = "confirm"
)

func (b *Bot) routes() *handler.Mux {
	r := handler.New()
	r.Route("/ticket", func(r handler.Router) {
		r.SlashCommand("/open", b.cmdOpen)
		r.SlashCommand("/open-for", b.cmdOpenFor)
		r.SlashCommand("/close", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			reason := d.String("reason")
			if err := b.app.Close(ctx, id, p, reason, a.meta()); err != nil {
				return reply{}, err
			}
			return public("🔒 Ticket closed by <@%s>%s", a.user, reasonSuffix(reason)), nil
		}))
		r.SlashCommand("/claim", b.ticketCmd(func(ctx context.Context, a actor, _ discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			return public("🙋 <@%s> claimed this ticket.", a.user), b.app.Claim(ctx, id, p, a.meta())
		}))
		r.SlashCommand("/move", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			key := strings.TrimSpace(d.String("category"))
			if err := b.app.ChangeCategory(ctx, id, p, key, a.meta()); err != nil {
				return reply{}, err
			}
			return public("📂 <@%s> moved this ticket to category **%s**.", a.user, key), nil
		}))
		r.SlashCommand("/transfer", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			to, isMember := d.OptMember("user")
			if !isMember {
				return reply{}, domain.Refuse(domain.ErrInvalid, "that person is not a member of this server")
			}
			roles := make([]domain.RoleID, 0, len(to.RoleIDs))
			for _, r := range to.RoleIDs {
				roles = append(roles, domain.RoleID(r))
			}
			manages := to.Permissions.Has(discord.PermissionManageGuild) || to.Permissions.Has(discord.PermissionAdministrator)
			who := domain.UserID(to.User.ID)
			if err := b.app.Transfer(ctx, id, p, guild.Member{User: who, Roles: roles, ManageServer: manages}, a.meta()); err != nil {
				return reply{}, err
			}
			return public("🤝 <@%s> handed this ticket to <@%s>.", a.user, who), nil
		}))
		r.SlashCommand("/unclaim", b.ticketCmd(func(ctx context.Context, a actor, _ discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			return public("↩️ <@%s> unclaimed this ticket.", a.user), b.app.Unclaim(ctx, id, p, a.meta())
		}))
		r.SlashCommand("/add", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			who := domain.UserID(d.User("user").ID)
			return public("➕ <@%s> added <@%s>.", a.user, who), b.app.AddMember(ctx, id, p, who, a.meta())
		}))
		r.SlashCommand("/remove", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			who := domain.UserID(d.User("user").ID)
			return public("➖ <@%s> removed <@%s>.", a.user, who), b.app.RemoveMember(ctx, id, p, who, a.meta())
		}))
		r.SlashCommand("/rename", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			name := ticket.NormalizeName(d.String("name"))
			return public("✏️ <@%s> renamed this ticket to **%s**.", a.user, name), b.app.Rename(ctx, id, p, name, a.meta())
		}))
		r.SlashCommand("/priority", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			level, err := ticket.ParsePriority(d.String("level"))
			if err != nil {
				return reply{}, domain.Refuse(domain.ErrInvalid, "priority is low, normal, high or urgent")
			}
			return public("🚩 <@%s> set the priority to **%s**.", a.user, level), b.app.SetPriority(ctx, id, p, level, a.meta())
		}))
		r.SlashCommand("/note", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			if err := b.app.AddNote(ctx, id, p, d.String("text"), a.meta()); err != nil {
				return reply{}, err
			}
			return ephemeral("📝 Note added. Staff read it on the ticket's dashboard page; it is not posted here."), nil
		}))
		r.SlashCommand("/reopen", b.ticketCmd(func(ctx context.Context, a actor, _ discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			return public("🔓 <@%s> reopened this ticket.", a.user), b.app.Reopen(ctx, id, p, a.meta())
		}))
		r.SlashCommand("/close-request", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			after, err := parseAfter(d.String("after"))
			if err != nil {
				return reply{}, err
			}
			return ephemeral("Close request sent: the opener can accept or deny it."), b.app.RequestClose(ctx, id, p, d.String("reason"), after, a.meta())
		}))
		r.SlashCommand("/transcript", b.ticketCmd(b.transcript))
	})
	r.Route("/setup", func(r handler.Router) {
		r.SlashCommand("/staff-role", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			roles := []domain.RoleID{domain.RoleID(d.Role("role").ID)}
			for _, n := range []string{"role2", "role3"} {
				if r, ok := d.OptRole(n); ok {
					roles = append(roles, domain.RoleID(r.ID))
				}
			}
			return "Staff roles saved.", b.app.SetStaffRoles(ctx, a.guild, a.member(), roles, a.meta())
		}))
		r.SlashCommand("/category-add", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			c := guild.Category{Key: d.String("key"), Name: d.String("name")}
			if ch, ok := d.OptChannel("discord-category"); ok {
				c.DiscordCategory = domain.ChannelID(ch.ID)
			}
			return fmt.Sprintf("Category **%s** added.", c.Name), b.app.AddCategory(ctx, a.guild, a.member(), c, a.meta())
		}))
		r.SlashCommand("/category-question", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			q := guild.Question{Label: d.String("label"), Required: d.Bool("required"), Long: d.Bool("long")}
			c, err := b.app.AddQuestion(ctx, a.guild, a.member(), d.String("key"), q, a.meta())
			return fmt.Sprintf("Question added to **%s** (%d of %d).", c.Name, len(c.Questions), guild.MaxQuestions), err
		}))
		r.SlashCommand("/category-remove", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			return "Category removed.", b.app.RemoveCategory(ctx, a.guild, a.member(), d.String("key"), a.meta())
		}))
		r.SlashCommand("/log-channel", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			ch := domain.ChannelID(d.Channel("channel").ID)
			return fmt.Sprintf("Close summaries will go to <#%s>.", ch), b.app.SetLogChannel(ctx, a.guild, a.member(), ch, a.meta())
		}))
		r.SlashCommand("/limit", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			n := d.Int("tickets")
			return fmt.Sprintf("Members may now have %d open ticket(s).", n), b.app.SetTicketLimit(ctx, a.guild, a.member(), n, a.meta())
		}))
		r.SlashCommand("/retention", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			days := d.Int("days")
			return fmt.Sprintf("Closed tickets' transcripts are now kept %d days.", days), b.app.SetRetention(ctx, a.guild, a.member(), days, a.meta())
		}))
		r.SlashCommand("/auto-close", b.setupCmd(b.setupAutoClose))
		r.SlashCommand("/support-hours", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			h, err := guild.ParseSupportHours(d.String("zone"), d.String("days"), d.String("from"), d.String("to"), d.String("holidays"), d.String("outside") == "refuse")
			if err != nil {
				return "", err
			}
			return "Support hours: " + h.String() + ".", b.app.SetSupportHours(ctx, a.guild, a.member(), h, a.meta())
		}))
		r.SlashCommand("/category-overflow", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			s, err := b.app.Settings(ctx, a.guild)
			if err != nil {
				return "", err
			}
			key := d.String("category")
			c, _ := s.Category(key)
			overflow := slices.Clone(c.Overflow)
			if ch, ok := d.OptChannel("overflow"); ok { // resolved by Discord among this server's channels
				overflow = append(overflow, domain.ChannelID(ch.ID))
			}
			if d.Bool("clear") {
				overflow = nil
			}
			return fmt.Sprintf("Category %q overflows into %d Discord categor(ies) when its own is full.", key, len(overflow)),
				b.app.SetCategoryOverflow(ctx, a.guild, a.member(), key, overflow, a.meta())
		}))
		r.SlashCommand("/category-team", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			s, err := b.app.Settings(ctx, a.guild)
			if err != nil {
				return "", err
			}
			key := d.String("category")
			c, _ := s.Category(key)
			roles, only := slices.Clone(c.StaffRoles), c.TeamOnly
			if role, ok := d.OptRole("role"); ok {
				roles = append(roles, domain.RoleID(role.ID))
			}
			if v, ok := d.OptBool("only"); ok {
				only = v
			}
			if d.Bool("clear") {
				roles, only = nil, false
			}
			said := fmt.Sprintf("Category %q: the server's staff handle its tickets.", key)
			switch {
			case len(roles) > 0 && only:
				said = fmt.Sprintf("Category %q: only %s (and admins) see and handle its tickets.", key, mentions(roles, "<@&%s>"))
			case len(roles) > 0:
				said = fmt.Sprintf("Category %q: %s also see and handle its tickets.", key, mentions(roles, "<@&%s>"))
			}
			return said, b.app.SetCategoryTeam(ctx, a.guild, a.member(), key, roles, only, a.meta())
		}))
		r.SlashCommand("/messages", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			s, err := b.app.Settings(ctx, a.guild)
			if err != nil {
				return "", err
			}
			category := d.String("category")
			m := s.MessagesFor(category)
			m.Ping = slices.Clone(m.Ping)
			clearable := func(v string) string {
				if strings.TrimSpace(v) == "-" {
					return ""
				}
				return v
			}
			if v, ok := d.OptString("welcome"); ok {
				m.Welcome = clearable(v)
			}
			if v, ok := d.OptString("close"); ok {
				m.Close = clearable(v)
			}
			if v, ok := d.OptString("naming"); ok {
				m.Naming = clearable(v)
			}
			if role, ok := d.OptRole("ping"); ok {
				m.Ping = append(m.Ping, domain.RoleID(role.ID))
			}
			if d.Bool("no-ping") {
				m.Ping = nil
			}
			return "Messages saved: the next tickets use them.", b.app.SetMessages(ctx, a.guild, a.member(), category, m, a.meta())
		}))
		r.SlashCommand("/claim-mode", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			mode, err := guild.ParseClaimMode(d.String("mode"))
			if err != nil {
				return "", err
			}
			where := "In this server"
			if c := d.String("category"); c != "" {
				where = fmt.Sprintf("In category %q", c)
			}
			return fmt.Sprintf("%s, claiming a ticket is now %s (for claims from now on).", where, mode), b.app.SetClaimMode(ctx, a.guild, a.member(), d.String("category"), mode, a.meta())
		}))
		r.SlashCommand("/threads", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			where := "In this server"
			if c := d.String("category"); c != "" {
				where = fmt.Sprintf("In category %q", c)
			}
			ch, ok := d.OptChannel("channel") // resolved by Discord among this server's text channels
			switch {
			case d.Bool("off"):
				return where + ", new tickets get channels of their own again; tickets made as threads stay threads.",
					b.app.SetThreadMode(ctx, a.guild, a.member(), d.String("category"), 0, a.meta())
			case !ok:
				return "", domain.Refuse(domain.ErrInvalid, "name the text channel the ticket threads go under, or turn thread mode off")
			case ch.Type != discord.ChannelTypeGuildText:
				return "", domain.Refuse(domain.ErrInvalid, "ticket threads go under a text channel")
			}
			if owner, err := b.ticketOf(ctx, ch.ID); err != nil || owner != "" {
				return "", cmp.Or(err, domain.Refuse(domain.ErrInvalid, "that is a ticket's own channel: choose a support channel"))
			}
			return fmt.Sprintf("%s, new tickets are now private threads under <#%s>. %s", where, ch.ID, threadModeNeeds),
				b.app.SetThreadMode(ctx, a.guild, a.member(), d.String("category"), domain.ChannelID(ch.ID), a.meta())
		}))
		r.SlashCommand("/cooldown", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			n := d.Int("minutes")
			said := "Members may open tickets one after another."
			if n > 0 {
				said = fmt.Sprintf("A member waits %s after opening a ticket before opening another.", guild.Hours(time.Duration(n)*time.Minute))
			}
			return said, b.app.SetOpenCooldown(ctx, a.guild, a.member(), n, a.meta())
		}))
		r.SlashCommand("/category-limit", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			key, n := d.String("category"), d.Int("limit")
			said := fmt.Sprintf("Category %q follows the server's limit only.", key)
			if n > 0 {
				said = fmt.Sprintf("A member may have %d open ticket(s) of category %q.", n, key)
			}
			return said, b.app.SetCategoryLimit(ctx, a.guild, a.member(), key, n, a.meta())
		}))
		r.SlashCommand("/reminder", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			n := d.Int("minutes")
			said := "Staff are no longer reminded of tickets waiting for an answer."
			if n > 0 {
				said = fmt.Sprintf("Staff roles are pinged once when a ticket has waited %s for a staff answer.", guild.Hours(time.Duration(n)*time.Minute))
			}
			return said, b.app.SetReminder(ctx, a.guild, a.member(), n, a.meta())
		}))
		r.SlashCommand("/feedback", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			f := guild.Feedback{Enabled: d.Bool("enabled"), ByDM: d.String("where") == "dm"}
			said := "Openers are no longer asked to rate their tickets."
			switch {
			case f.Enabled && f.ByDM:
				said = "Openers are now asked by direct message to rate their ticket when it closes (in its channel when they do not accept direct messages)."
			case f.Enabled:
				said = "Openers are now asked in the ticket's channel to rate it when it closes."
			}
			return said, b.app.SetFeedback(ctx, a.guild, a.member(), f, a.meta())
		}))
		r.SlashCommand("/transcript-dm", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			on := d.Bool("enabled")
			said := "Openers no longer get their transcript by direct message."
			if on {
				said = "Openers now get their ticket's transcript by direct message when it closes (unless they refused it with /privacy)."
			}
			return said, b.app.SetTranscriptDM(ctx, a.guild, a.member(), on, a.meta())
		}))
		r.SlashCommand("/close-on-leave", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			on := d.Bool("enabled")
			said := "Members leaving the server no longer close their tickets."
			if on {
				said = "A member leaving the server now closes the tickets they opened."
			}
			return said, b.app.SetCloseOnLeave(ctx, a.guild, a.member(), on, a.meta())
		}))
		r.SlashCommand("/language", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			chosen := d.String("language")
			if chosen == serverLanguage {
				chosen = ""
			}
			if err := b.app.SetLanguage(ctx, a.guild, a.member(), chosen, a.meta()); err != nil {
				return "", err
			}
			if chosen == "" {
				return a.locale.T("bot.setup.language_server"), nil
			}
			l, _ := i18n.Exactly(chosen)
			return a.locale.T("bot.setup.language_set", "Language", l.Name()), nil
		}))
		r.SlashCommand("/panel", b.cmdPanel)
		r.SlashCommand("/panel-save", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			buttons, err := guild.ParsePanelButtons(d.String("buttons"))
			if err != nil {
				return "", err
			}
			p := guild.Panel{Key: d.String("name"), Title: d.String("title"), Text: d.String("text"), Image: d.String("image"),
				Select: d.Bool("select"), Buttons: buttons}
			if c := d.String("colour"); c != "" {
				if p.Color, err = tag.ParseColour(c); err != nil {
					return "", err
				}
			}
			return fmt.Sprintf("Panel **%s** saved; `/setup panel name:%s` posts it, and its posts follow its changes.", p.Key, p.Key),
				b.app.SavePanel(ctx, a.guild, a.member(), p, a.meta())
		}))
		r.SlashCommand("/panel-remove", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			return fmt.Sprintf("Panel **%s** removed (its posts stay until you delete them).", d.String("name")),
				b.app.RemovePanel(ctx, a.guild, a.member(), d.String("name"), a.meta())
		}))
		r.SlashCommand("/show", b.cmdShowSettings)
	})
	r.Route("/blacklist", func(r handler.Router) {
		r.SlashCommand("/add", b.cmdBlacklist(true))
		r.SlashCommand("/remove", b.cmdBlacklist(false))
		r.SlashCommand("/list", b.cmdBlacklistList)
	})
	r.SlashCommand("/privacy", b.cmdPrivacy)
	b.tagRoutes(r)
	b.aboutRoutes(r)
	b.panelRoutes(r)
	r.ButtonComponent(idPanelOpen, b.btnPanelOpen)
	r.SelectMenuComponent(idPanelCategory, b.selPanelCategory)
	r.Modal(idOpenForm+"{category}", b.modalOpen)
	r.ButtonComponent(idClaim+"{ticket}", b.btnTicket(func(ctx context.Context, a actor, id domain.TicketID, p ticket.Participant) (reply, error) {
		return public("🙋 <@%s> claimed this ticket.", a.user), b.app.Claim(ctx, id, p, a.meta())
	}))
	r.ButtonComponent(idReopen+"{ticket}", b.btnTicket(func(ctx context.Context, a actor, id domain.TicketID, p ticket.Participant) (reply, error) {
		return public("🔓 <@%s> reopened this ticket.", a.user), b.app.Reopen(ctx, id, p, a.meta())
	}))
	r.ButtonComponent(idKeepOpen+"{ticket}", b.btnTicket(func(ctx context.Context, a actor, id domain.TicketID, p ticket.Participant) (reply, error) {
		return public("⏳ <@%s> kept this ticket open; the inactivity period starts again.", a.user), b.app.KeepOpen(ctx, id, p, a.meta())
	}))
	r.ButtonComponent(idAcceptClose+"{ticket}/{n}", b.btnAnswerCloseRequest(true))
	r.ButtonComponent(idDenyClose+"{ticket}/{n}", b.btnAnswerCloseRequest(false))
	r.ButtonComponent(idRate+"{ticket}/{stars}", b.btnRate)
	r.Modal(idRateForm+"{ticket}/{stars}", b.modalRate)
	r.ButtonComponent(idClose+"{ticket}", b.btnClose)
	r.Modal(idCloseForm+"{ticket}", b.modalClose)
	r.ButtonComponent(idEraseGuild, b.btnEraseGuild)
	r.ButtonComponent(idTranscriptDMs+"{choice}", b.btnTranscriptDMs)
	r.Modal(idEraseForm, b.modalEraseGuild)
	r.NotFound(b.notFound)
	r.Use(b.answering)
	r.Error(b.errorHandler)
	return r
}

func reasonSuffix(reason string) string {
	if strings.TrimSpace(reason) == "" {
		return "."
	}
	return ": " + reason
}

// ticketInChannel finds the ticket whose channel the interaction came from;
// on a miss it waits for the projections to catch up, in case the channel
// was created a moment ago.
func (b *Bot) ticketInChannel(ctx context.Context, ch domain.ChannelID) (domain.TicketID, error) {
	id, err := b.ticketOf(ctx, snowflake.ID(ch))
	if err == nil && id == "" {
		err = ticketviews.ErrNotFound
	}
	return id, err
}

type ticketWork func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error)

// ticketCmd runs a /ticket subcommand on the ticket of the current channel.
func (b *Bot) ticketCmd(w ticketWork) handler.SlashCommandHandler {
	return func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			id, err := b.ticketInChannel(ctx, a.channel)
			if err != nil {
				return reply{}, err
			}
			p, err := b.app.Participant(ctx, a.guild, a.member())
			if err != nil {
				return reply{}, err
			}
			return w(ctx, a, d, id, p)
		})
	}
}

func (b *Bot) btnTicket(w func(ctx context.Context, a actor, id domain.TicketID, p ticket.Participant) (reply, error)) handler.ButtonComponentHandler {
	return func(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			id, err := domain.ParseTicketID(e.Vars["ticket"])
			if err != nil {
				return reply{}, domain.Refuse(domain.ErrInvalid, "this button belongs to no ticket")
			}
			p, err := b.buttonParticipant(ctx, a)
			if err != nil {
				return reply{}, err
			}
			return w(ctx, a, id, p)
		})
	}
}

// buttonParticipant is who pressed a ticket's button or sent its form: the
// custom id names the ticket, so the decisions also check that it came from
// that ticket's own server and channel (a custom id can be forged, or a
// message copied elsewhere).
func (b *Bot) buttonParticipant(ctx context.Context, a actor) (ticket.Participant, error) {
	if a.guild.IsZero() { // a direct message: only routes marked direct get here
		return ticket.Participant{User: a.user, Direct: true}, nil
	}
	p, err := b.app.Participant(ctx, a.guild, a.member())
	p.Channel = a.channel
	return p, err
}

// cmdOpen is /ticket open [topic] [category].
func (b *Bot) cmdOpen(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		return b.openFlow(ctx, a, d.String("category"), d.String("topic"))
	})
}

// openFlow opens a ticket, or first asks for the category or the form.
func (b *Bot) openFlow(ctx context.Context, a actor, category, topic string) (reply, error) {
	s, err := b.app.Settings(ctx, a.guild)
	if err != nil {
		return reply{}, err
	}
	cats := s.Categories()
	if category == "" && len(cats) > 1 {
		return categoryPicker(idPanelCategory, cats), nil
	}
	if category == "" && len(cats) == 1 {
		category = cats[0].Key
	}
	if c, ok := s.Category(category); ok && len(c.Questions) > 0 {
		m := formModal(c)
		return reply{modal: &m}, nil
	}
	return b.open(ctx, a, category, topic, nil)
}

func (b *Bot) open(ctx context.Context, a actor, category, topic string, answers []string) (reply, error) {
	o, err := b.app.OpenTicket(ctx, app.OpenTicket{Guild: a.guild, Opener: a.user, OpenerName: a.username, Roles: a.roles, Category: category,
		Topic: topic, Answers: answers, Meta: a.meta()})
	if err != nil {
		return reply{}, err
	}
	return b.openedReply(o, ""), nil
}

// cmdOpenFor is /ticket open-for <user> [topic] [category]: staff open a
// ticket for a member (none of the member's limits, no form).
func (b *Bot) cmdOpenFor(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		who, ok := d.OptUser("user")
		if _, member := d.OptMember("user"); !ok || !member {
			return reply{}, domain.Refuse(domain.ErrInvalid, "that person is not a member of this server")
		}
		if who.Bot {
			return reply{}, domain.Refuse(domain.ErrInvalid, "a bot does not get tickets")
		}
		o, err := b.app.OpenTicket(ctx, app.OpenTicket{Guild: a.guild, Opener: domain.UserID(who.ID), OpenerName: who.Username, By: a.member(),
			Category: d.String("category"), Topic: d.String("topic"), Meta: a.meta()})
		if err != nil {
			return reply{}, err
		}
		return b.openedReply(o, fmt.Sprintf(" for <@%s>", who.ID)), nil
	})
}

// openedReply answers an open at once; the reactor creates the channel, and
// the answer is edited to link it once it exists.
func (b *Bot) openedReply(o app.Opened, forWhom string) reply {
	r := ephemeral("🎫 Ticket #%d opened%s; its channel appears in a moment.%s", o.Number, forWhom, awayNotice(o))
	r.then = func(ctx context.Context) (reply, bool) {
		for ctx.Err() == nil {
			if v, err := b.views.Get(ctx, string(o.Ticket)); err == nil && v.Channel != "" {
				return ephemeral("🎫 Ticket #%d opened%s: <#%s>%s", o.Number, forWhom, v.Channel, awayNotice(o)), true
			}
			time.Sleep(50 * time.Millisecond)
		}
		return reply{}, false
	}
	return r
}

// awayNotice tells a member who opened outside support hours when staff are
// back.
func awayNotice(o app.Opened) string {
	switch {
	case !o.OutsideHours:
		return ""
	case o.NextOpening.IsZero():
		return "\n🌙 Our team is away right now; they will answer when they are back."
	}
	return fmt.Sprintf("\n🌙 Our team is away right now; they are back <t:%d:F> (<t:%d:R>).", o.NextOpening.Unix(), o.NextOpening.Unix())
}

// categoryPicker asks which category to open in; the select's custom id
// says what answers it (idPanelCategory, or a message context menu's).
func categoryPicker(customID string, cats []guild.Category) reply {
	var opts []discord.StringSelectMenuOption
	for _, c := range cats {
		opts = append(opts, discord.NewStringSelectMenuOption(c.Name, c.Key))
	}
	return reply{content: "What is your ticket about?", ephemeral: true, components: []discord.LayoutComponent{
		discord.NewActionRow(discord.NewStringSelectMenu(customID, "Pick a category", opts...))}}
}

func formModal(c guild.Category) discord.ModalCreate {
	var comps []discord.LayoutComponent
	for i, q := range c.Questions {
		input := discord.NewShortTextInput(fmt.Sprintf("q%d", i))
		if q.Long {
			input = discord.NewParagraphTextInput(fmt.Sprintf("q%d", i))
		}
		input.Required = q.Required
		input.Placeholder = q.Placeholder
		input.MaxLength = ticket.MaxAnswerLength
		comps = append(comps, discord.NewLabel(q.Label, input))
	}
	title := "Open a ticket: " + c.Name
	if len(title) > 45 {
		title = title[:45]
	}
	return discord.ModalCreate{CustomID: idOpenForm + c.Key, Title: title, Components: comps}
}

func (b *Bot) btnPanelOpen(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		return b.openFlow(ctx, a, "", "")
	})
}

func (b *Bot) selPanelCategory(d discord.SelectMenuInteractionData, e *handler.ComponentEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		values := e.StringSelectMenuInteractionData().Values
		if len(values) != 1 {
			return reply{}, domain.Refuse(domain.ErrInvalid, "pick one category")
		}
		return b.openFlow(ctx, a, values[0], "")
	})
}

func (b *Bot) modalOpen(e *handler.ModalEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		return b.open(ctx, a, e.Vars["category"], "", formAnswers(e.Data))
	})
}

// formAnswers reads a category form's answers (formModal), in order.
func formAnswers(d discord.ModalSubmitInteractionData) []string {
	answers := []string{}
	for i := range guild.MaxQuestions {
		v, ok := d.OptText(fmt.Sprintf("q%d", i))
		if !ok {
			break
		}
		answers = append(answers, v)
	}
	return answers
}

// btnClose asks for a close reason in a modal.
func (b *Bot) btnClose(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		id, err := domain.ParseTicketID(e.Vars["ticket"])
		if err != nil {
			return reply{}, domain.Refuse(domain.ErrInvalid, "this button belongs to no ticket")
		}
		p, err := b.buttonParticipant(ctx, a)
		if err != nil {
			return reply{}, err
		}
		if err := b.app.CheckTicket(ctx, id, p); err != nil {
			return reply{}, err
		}
		input := discord.NewParagraphTextInput(closeReasonID)
		input.Required, input.MaxLength = false, ticket.MaxReasonLength
		m := discord.ModalCreate{CustomID: idCloseForm + e.Vars["ticket"], Title: "Close this ticket",
			Components: []discord.LayoutComponent{discord.NewLabel("Reason (optional)", input)}}
		return reply{modal: &m}, nil
	})
}

// btnRate is a star button under a closed ticket: it opens the rating form
// (an optional comment), after checking the ticket may be rated by them.
func (b *Bot) btnRate(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		id, err := domain.ParseTicketID(e.Vars["ticket"])
		stars, serr := strconv.Atoi(e.Vars["stars"])
		if err != nil || serr != nil || stars < 1 || stars > 5 {
			return reply{}, domain.Refuse(domain.ErrInvalid, "this button belongs to no rating")
		}
		p, err := b.buttonParticipant(ctx, a)
		if err != nil {
			return reply{}, err
		}
		t, err := b.app.Ticket(ctx, id)
		if err != nil {
			return reply{}, err
		}
		if _, err := t.Rate(p, stars, "", b.cfg.Clock()); err != nil { // refused now rather than after the form
			return reply{}, err
		}
		input := discord.NewParagraphTextInput(rateCommentID)
		input.Required, input.MaxLength = false, ticket.MaxFeedbackComment
		m := discord.ModalCreate{CustomID: idRateForm + e.Vars["ticket"] + "/" + e.Vars["stars"], Title: fmt.Sprintf("Your rating: %s", starsOf(stars)),
			Components: []discord.LayoutComponent{discord.NewLabel("A comment (optional)", input)}}
		return reply{modal: &m}, nil
	})
}

func (b *Bot) modalRate(e *handler.ModalEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		id, err := domain.ParseTicketID(e.Vars["ticket"])
		stars, serr := strconv.Atoi(e.Vars["stars"])
		if err != nil || serr != nil {
			return reply{}, domain.Refuse(domain.ErrInvalid, "this form belongs to no rating")
		}
		p, err := b.buttonParticipant(ctx, a)
		if err != nil {
			return reply{}, err
		}
		if err := b.app.Rate(ctx, id, p, stars, e.Data.Text(rateCommentID), a.meta()); err != nil {
			return reply{}, err
		}
		return ephemeral("Thank you! You rated this ticket %s; you can change it for %d hours.", starsOf(stars), int(ticket.FeedbackWindow.Hours())), nil
	})
}

// starsOf draws a rating: ★★★★☆.
func starsOf(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", 5-n) }

func (b *Bot) modalClose(e *handler.ModalEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		id, err := domain.ParseTicketID(e.Vars["ticket"])
		if err != nil {
			return reply{}, domain.Refuse(domain.ErrInvalid, "this form belongs to no ticket")
		}
		p, err := b.buttonParticipant(ctx, a)
		if err != nil {
			return reply{}, err
		}
		reason := e.Data.Text(closeReasonID)
		if err := b.app.Close(ctx, id, p, reason, a.meta()); err != nil {
			return reply{}, err
		}
		return public("🔒 Ticket closed by <@%s>%s", a.user, reasonSuffix(reason)), nil
	})
}

// setupCmd runs a /setup subcommand: a settings use case, whose answer is
// what it says when it succeeds.
func (b *Bot) setupCmd(change func(context.Context, actor, discord.SlashCommandInteractionData) (string, error)) handler.SlashCommandHandler {
	return func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			done, err := change(ctx, a, d)
			return ephemeral("✅ %s", done), err
		})
	}
}

// cmdPanel posts the "Open ticket" panel.
func (b *Bot) cmdPanel(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		if _, err := b.app.StaffSettings(ctx, a.guild, a.member()); err != nil {
			return reply{}, err
		}
		ch := snowflake.ID(a.channel)
		if c, ok := d.OptChannel("channel"); ok {
			ch = c.ID // resolved by Discord among this server's channels
		}
		if name := d.String("name"); name != "" {
			if err := b.app.RequestPanelPost(ctx, a.guild, a.member(), name, domain.ChannelID(ch), a.meta()); err != nil {
				return reply{}, err
			}
			return ephemeral("✅ Panel **%s** is being posted in <#%s>; editing it with `/setup panel-save` updates it there.", name, ch), nil
		}
		_, err := b.client.Rest.CreateMessage(ch, discord.MessageCreate{
			Embeds:     []discord.Embed{{Title: "Need help?", Description: "Press the button to open a private ticket with our staff.", Color: 0x5865F2}},
			Components: []discord.LayoutComponent{discord.NewActionRow(discord.NewPrimaryButton("Open ticket", idPanelOpen).WithEmoji(discord.ComponentEmoji{Name: "🎫"}))},
		}, rest.WithCtx(ctx))
		if err != nil {
			return reply{}, fmt.Errorf("post panel: %w", err)
		}
		return ephemeral("✅ Panel posted in <#%s>.", ch), nil
	})
}

func (b *Bot) cmdShowSettings(_ discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		s, err := b.app.StaffSettings(ctx, a.guild, a.member())
		if err != nil {
			return reply{}, err
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "**Staff roles:** %s\n", mentions(s.StaffRoles(), "<@&%s>"))
		fmt.Fprintf(&sb, "**Open tickets per member:** %d\n**Transcripts kept:** %d days\n", s.TicketLimit(), s.RetentionDays())
		if s.LogChannel() != 0 {
			fmt.Fprintf(&sb, "**Log channel:** <#%s>\n", s.LogChannel())
		}
		fmt.Fprintf(&sb, "**New tickets are:** %s\n", guild.MadeAs(s.ThreadChannel("")))
		fmt.Fprintf(&sb, "**Auto-close:** %s\n**Close when the opener leaves:** %s\n**Transcript to the opener by DM:** %s\n**Ask for a rating:** %s\n**Staff reminder:** %s\n**Support hours:** %s\n", s.AutoClose(), onOff(s.CloseOnLeave()), onOff(s.TranscriptDM()), s.Feedback(), reminderSaid(s.Reminder()), s.SupportHours())
		for _, c := range s.Categories() {
			fmt.Fprintf(&sb, "**Category %s** (`%s`): %d question(s)", c.Name, c.Key, len(c.Questions))
			if own, ok := s.CategoryAutoClose(c.Key); ok {
				fmt.Fprintf(&sb, "; auto-close %s", own)
			}
			if th := s.ThreadChannel(c.Key); th != s.ThreadChannel("") {
				fmt.Fprintf(&sb, "; its tickets are %s", guild.MadeAs(th))
			}
			sb.WriteString("\n")
		}
		return ephemeral("%s", sb.String()), nil
	})
}

// parseAfter reads a close request's deadline: Go durations ("90m",
// "24h") and whole days ("2d"); empty is none.
func parseAfter(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, domain.Refuse(domain.ErrInvalid, "after is a time like 90m, 24h or 2d")
}

// btnAnswerCloseRequest is the Accept or Deny button of a close request.
func (b *Bot) btnAnswerCloseRequest(accept bool) handler.ButtonComponentHandler {
	return func(data discord.ButtonInteractionData, e *handler.ComponentEvent) error {
		n, err := strconv.Atoi(e.Vars["n"])
		if err != nil || n < 1 {
			return b.do(e.Ctx, e, func(context.Context, actor) (reply, error) {
				return reply{}, domain.Refuse(domain.ErrInvalid, "this button belongs to no close request")
			})
		}
		return b.btnTicket(func(ctx context.Context, a actor, id domain.TicketID, p ticket.Participant) (reply, error) {
			if accept {
				return public("✅ <@%s> accepted the close request.", a.user), b.app.AnswerCloseRequest(ctx, id, p, n, true, a.meta())
			}
			return public("↩️ <@%s> would rather keep this ticket open.", a.user), b.app.AnswerCloseRequest(ctx, id, p, n, false, a.meta())
		})(data, e)
	}
}

func reminderSaid(d time.Duration) string {
	if d == 0 {
		return "off"
	}
	return "after " + guild.Hours(d) + " without a staff answer"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// setupAutoClose is /setup auto-close hours [category] [warn-hours]
// [only-waiting] [inherit].
func (b *Bot) setupAutoClose(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
	category := d.String("category")
	if d.Bool("inherit") {
		if category == "" {
			return "", domain.Refuse(domain.ErrInvalid, "inherit is for a category: name its key")
		}
		return fmt.Sprintf("Category `%s` now follows the server's auto-close rule.", category),
			b.app.InheritAutoClose(ctx, a.guild, a.member(), category, a.meta())
	}
	rule := guild.AutoClose{AfterMinutes: d.Int("hours") * 60, OnlyWaiting: d.Bool("only-waiting")}
	if w, ok := d.OptInt("warn-hours"); ok {
		rule.WarnBeforeMinutes = w * 60
	}
	where := "this server's tickets"
	if category != "" {
		where = fmt.Sprintf("category `%s`", category)
	}
	return fmt.Sprintf("Auto-close for %s: %s.", where, rule), b.app.SetAutoClose(ctx, a.guild, a.member(), category, rule, a.meta())
}

func mentions[T fmt.Stringer](ids []T, format string) string {
	if len(ids) == 0 {
		return "none"
	}
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf(format, id))
	}
	return strings.Join(parts, ", ")
}

func (b *Bot) cmdBlacklist(add bool) handler.SlashCommandHandler {
	return func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			var who app.BlacklistTarget
			var done string
			switch t := d.Mentionable("target").(type) {
			case discord.Role:
				who, done = app.BlacklistTarget{Role: domain.RoleID(t.ID)}, fmt.Sprintf("<@&%s>", t.ID)
			case discord.User:
				who, done = app.BlacklistTarget{User: domain.UserID(t.ID)}, fmt.Sprintf("<@%s>", t.ID)
			case discord.ResolvedMember:
				who, done = app.BlacklistTarget{User: domain.UserID(t.User.ID)}, fmt.Sprintf("<@%s>", t.User.ID)
			default:
				return reply{}, domain.Refuse(domain.ErrInvalid, "pick a user or a role")
			}
			var err error
			if add {
				err = b.app.Blacklist(ctx, a.guild, a.member(), who, a.meta())
			} else {
				err = b.app.Unblacklist(ctx, a.guild, a.member(), who, a.meta())
			}
			if add {
				return ephemeral("⛔ %s may no longer open tickets.", done), err
			}
			return ephemeral("✅ %s may open tickets again.", done), err
		})
	}
}

func (b *Bot) cmdBlacklistList(_ discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		s, err := b.app.StaffSettings(ctx, a.guild, a.member())
		if err != nil {
			return reply{}, err
		}
		return ephemeral("**Blacklisted users:** %s\n**Blacklisted roles:** %s",
			mentions(s.BlacklistedUsers(), "<@%s>"), mentions(s.BlacklistedRoles(), "<@&%s>")), nil
	})
}

func (b *Bot) cmdPrivacy(_ discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		p, err := b.app.Profile(ctx, a.user)
		if err != nil {
			return reply{}, err
		}
		link := "the dashboard's **My data** page"
		if b.cfg.DashboardURL != "" {
			link = fmt.Sprintf("[My data](%s/me)", strings.TrimRight(b.cfg.DashboardURL, "/"))
		}
		r := ephemeral("%s", "**What Ticketify stores about you**\n"+
			"• your Discord user id, and your username and avatar when you log in or write in a ticket\n"+
			"• tickets you open (topic, form answers), messages you write in ticket channels (with edits and deletions), close reasons you give\n"+
			"• which commands and buttons you use, counted per day\n"+
			"Personal data is encrypted per person and ticket; transcripts are deleted at most 90 days after a ticket closes.\n"+
			"You can download everything held about you, correct it, or have it erased: see "+link+".")
		dms := discord.NewSecondaryButton("Don't send me transcripts by DM", idTranscriptDMs+"off")
		r.content += "\n\nServers can send you your ticket's transcript by direct message when it closes."
		if p.RefusesTranscriptDMs() {
			dms = discord.NewSecondaryButton("Send me transcripts by DM again", idTranscriptDMs+"on")
			r.content += " You asked not to get them."
		}
		row := []discord.InteractiveComponent{dms}
		if a.manageServer && b.eraseGuild != nil {
			r.content += "\n\nYou manage this server: before removing Ticketify you can erase every ticket's personal data here."
			row = append(row, discord.NewDangerButton("Erase this server's data", idEraseGuild))
		}
		r.components = []discord.LayoutComponent{discord.NewActionRow(row...)}
		return r, nil
	})
}

// btnTranscriptDMs records a person refusing (off) or accepting again (on)
// their tickets' transcripts by direct message.
func (b *Bot) btnTranscriptDMs(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		refuse := e.Vars["choice"] == "off"
		if !refuse && e.Vars["choice"] != "on" {
			return reply{}, domain.Refuse(domain.ErrInvalid, "unknown choice")
		}
		err := b.app.SetTranscriptDMs(ctx, a.user, refuse, a.meta())
		if err != nil && !errors.Is(err, domain.ErrUnchanged) {
			return reply{}, err
		}
		if refuse {
			return ephemeral("%s", "Saved: no server will send you a ticket's transcript by direct message."), nil
		}
		return ephemeral("%s", "Saved: servers that offer it will send you your ticket's transcript by direct message when it closes."), nil
	})
}

// GuildEraser erases a server's ticket data (privacy.Eraser.EraseGuild).
type GuildEraser func(ctx context.Context, g domain.GuildID, by domain.Actor) (tickets int, err error)

// btnEraseGuild asks the server's manager to confirm in a form.
func (b *Bot) btnEraseGuild(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
	return b.do(e.Ctx, e, func(_ context.Context, a actor) (reply, error) {
		if !a.manageServer {
			return reply{}, domain.Refuse(domain.ErrForbidden, "only someone with Manage Server can erase this server's data")
		}
		input := discord.NewShortTextInput(eraseConfirmID)
		input.Required, input.Placeholder = true, "ERASE"
		m := discord.ModalCreate{CustomID: idEraseForm, Title: "Erase this server's ticket data",
			Components: []discord.LayoutComponent{discord.NewLabel("Type ERASE: this cannot be undone", input)}}
		return reply{modal: &m}, nil
	})
}

func (b *Bot) modalEraseGuild(e *handler.ModalEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		if !a.manageServer || b.eraseGuild == nil {
			return reply{}, domain.Refuse(domain.ErrForbidden, "only someone with Manage Server can erase this server's data")
		}
		if strings.TrimSpace(e.Data.Text(eraseConfirmID)) != "ERASE" {
			return ephemeral("Nothing was erased: type ERASE to confirm."), nil
		}
		n, err := b.eraseGuild(ctx, a.guild, domain.Actor{User: a.user, Source: domain.SourceModal})
		if err != nil {
			return reply{}, err
		}
		return ephemeral("🧹 The personal data of this server's %d tickets was erased: their keys are destroyed.", n), nil
	})
}
