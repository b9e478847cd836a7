package discord

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
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
	// eraseWord is what a server's manager types to confirm erasing its
	// data: the same word in every language (the form's sentences keep it).
	eraseWord = "ERASE"
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
			return public(ticketClosedSaid(a.locale, a.user, reason)), nil
		}))
		r.SlashCommand("/claim", b.ticketCmd(func(ctx context.Context, a actor, _ discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			return public(a.locale.T("bot.ticket.claimed", "User", a.user)), b.app.Claim(ctx, id, p, a.meta())
		}))
		r.SlashCommand("/move", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			key := strings.TrimSpace(d.String("category"))
			if err := b.app.ChangeCategory(ctx, id, p, key, a.meta()); err != nil {
				return reply{}, err
			}
			return public(a.locale.T("bot.ticket.moved", "User", a.user, "Category", key)), nil
		}))
		r.SlashCommand("/transfer", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			to, isMember := d.OptMember("user")
			if !isMember {
				return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.not_a_member")
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
			return public(a.locale.T("bot.ticket.transferred", "User", a.user, "To", who)), nil
		}))
		r.SlashCommand("/unclaim", b.ticketCmd(func(ctx context.Context, a actor, _ discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			return public(a.locale.T("bot.ticket.unclaimed", "User", a.user)), b.app.Unclaim(ctx, id, p, a.meta())
		}))
		r.SlashCommand("/add", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			who := domain.UserID(d.User("user").ID)
			return public(a.locale.T("bot.ticket.added", "User", a.user, "Member", who)), b.app.AddMember(ctx, id, p, who, a.meta())
		}))
		r.SlashCommand("/remove", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			who := domain.UserID(d.User("user").ID)
			return public(a.locale.T("bot.ticket.removed", "User", a.user, "Member", who)), b.app.RemoveMember(ctx, id, p, who, a.meta())
		}))
		r.SlashCommand("/rename", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			name := ticket.NormalizeName(d.String("name"))
			return public(a.locale.T("bot.ticket.renamed", "User", a.user, "Name", name)), b.app.Rename(ctx, id, p, name, a.meta())
		}))
		r.SlashCommand("/priority", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			level, err := ticket.ParsePriority(d.String("level"))
			if err != nil {
				return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.priority_unknown")
			}
			return public(a.locale.T("bot.ticket.priority_set", "User", a.user, "Priority", said.Priority(a.locale, level))), b.app.SetPriority(ctx, id, p, level, a.meta())
		}))
		r.SlashCommand("/note", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			if err := b.app.AddNote(ctx, id, p, d.String("text"), a.meta()); err != nil {
				return reply{}, err
			}
			return ephemeral(a.locale.T("bot.ticket.note_added")), nil
		}))
		r.SlashCommand("/reopen", b.ticketCmd(func(ctx context.Context, a actor, _ discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			return public(a.locale.T("bot.ticket.reopened", "User", a.user)), b.app.Reopen(ctx, id, p, a.meta())
		}))
		r.SlashCommand("/close-request", b.ticketCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
			after, err := parseAfter(d.String("after"))
			if err != nil {
				return reply{}, err
			}
			return ephemeral(a.locale.T("bot.ticket.close_request_sent")), b.app.RequestClose(ctx, id, p, d.String("reason"), after, a.meta())
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
			return a.locale.T("bot.setup.staff_roles_saved"), b.app.SetStaffRoles(ctx, a.guild, a.member(), roles, a.meta())
		}))
		r.SlashCommand("/category-add", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			c := guild.Category{Key: d.String("key"), Name: d.String("name")}
			if ch, ok := d.OptChannel("discord-category"); ok {
				c.DiscordCategory = domain.ChannelID(ch.ID)
			}
			return a.locale.T("bot.setup.category_added", "Category", c.Name), b.app.AddCategory(ctx, a.guild, a.member(), c, a.meta())
		}))
		r.SlashCommand("/category-question", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			q := guild.Question{Label: d.String("label"), Required: d.Bool("required"), Long: d.Bool("long")}
			c, err := b.app.AddQuestion(ctx, a.guild, a.member(), d.String("key"), q, a.meta())
			return a.locale.T("bot.setup.question_added", "Category", c.Name, "N", len(c.Questions), "Max", guild.MaxQuestions), err
		}))
		r.SlashCommand("/category-remove", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			return a.locale.T("bot.setup.category_removed"), b.app.RemoveCategory(ctx, a.guild, a.member(), d.String("key"), a.meta())
		}))
		r.SlashCommand("/log-channel", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			ch := domain.ChannelID(d.Channel("channel").ID)
			return a.locale.T("bot.setup.log_channel", "Channel", ch), b.app.SetLogChannel(ctx, a.guild, a.member(), ch, a.meta())
		}))
		r.SlashCommand("/limit", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			n := d.Int("tickets")
			return a.locale.N("bot.setup.limit", n), b.app.SetTicketLimit(ctx, a.guild, a.member(), n, a.meta())
		}))
		r.SlashCommand("/retention", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			days := d.Int("days")
			return a.locale.N("bot.setup.retention", days), b.app.SetRetention(ctx, a.guild, a.member(), days, a.meta())
		}))
		r.SlashCommand("/auto-close", b.setupCmd(b.setupAutoClose))
		r.SlashCommand("/support-hours", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			h, err := guild.ParseSupportHours(d.String("zone"), d.String("days"), d.String("from"), d.String("to"), d.String("holidays"), d.String("outside") == "refuse")
			if err != nil {
				return "", err
			}
			return a.locale.T("bot.setup.support_hours", "Hours", said.SupportHours(a.locale, h)), b.app.SetSupportHours(ctx, a.guild, a.member(), h, a.meta())
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
			return a.locale.N("bot.setup.overflow", len(overflow), "Category", key),
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
			answer := a.locale.T("bot.setup.team_staff", "Category", key)
			switch {
			case len(roles) > 0 && only:
				answer = a.locale.T("bot.setup.team_only", "Category", key, "Roles", mentions(a.locale, roles, "<@&%s>"))
			case len(roles) > 0:
				answer = a.locale.T("bot.setup.team_also", "Category", key, "Roles", mentions(a.locale, roles, "<@&%s>"))
			}
			return answer, b.app.SetCategoryTeam(ctx, a.guild, a.member(), key, roles, only, a.meta())
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
			return a.locale.T("bot.setup.messages_saved"), b.app.SetMessages(ctx, a.guild, a.member(), category, m, a.meta())
		}))
		r.SlashCommand("/claim-mode", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			mode, err := guild.ParseClaimMode(d.String("mode"))
			if err != nil {
				return "", err
			}
			answer := a.locale.T("bot.setup.claim_mode", "Mode", said.ClaimMode(a.locale, mode))
			if c := d.String("category"); c != "" {
				answer = a.locale.T("bot.setup.claim_mode_category", "Category", c, "Mode", said.ClaimMode(a.locale, mode))
			}
			return answer, b.app.SetClaimMode(ctx, a.guild, a.member(), d.String("category"), mode, a.meta())
		}))
		r.SlashCommand("/threads", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			category := d.String("category")
			ch, ok := d.OptChannel("channel") // resolved by Discord among this server's text channels
			switch {
			case d.Bool("off") && category == "":
				return a.locale.T("bot.setup.threads_off"), b.app.SetThreadMode(ctx, a.guild, a.member(), category, 0, a.meta())
			case d.Bool("off"):
				return a.locale.T("bot.setup.threads_off_category", "Category", category),
					b.app.SetThreadMode(ctx, a.guild, a.member(), category, 0, a.meta())
			case !ok:
				return "", domain.Refuse(domain.ErrInvalid, "bot.errors.threads_channel_needed")
			case ch.Type != discord.ChannelTypeGuildText:
				return "", domain.Refuse(domain.ErrInvalid, "bot.errors.threads_text_channel")
			}
			if owner, err := b.ticketOf(ctx, ch.ID); err != nil || owner != "" {
				return "", cmp.Or(err, domain.Refuse(domain.ErrInvalid, "bot.errors.threads_ticket_channel"))
			}
			answer := a.locale.T("bot.setup.threads_on", "Channel", ch.ID, "Needs", a.locale.T("bot.setup.threads_needs"))
			if category != "" {
				answer = a.locale.T("bot.setup.threads_on_category", "Category", category, "Channel", ch.ID, "Needs", a.locale.T("bot.setup.threads_needs"))
			}
			return answer,
				b.app.SetThreadMode(ctx, a.guild, a.member(), d.String("category"), domain.ChannelID(ch.ID), a.meta())
		}))
		r.SlashCommand("/cooldown", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			n := d.Int("minutes")
			answer := a.locale.T("bot.setup.cooldown_off")
			if n > 0 {
				answer = a.locale.T("bot.setup.cooldown", "Period", said.Period(a.locale, time.Duration(n)*time.Minute))
			}
			return answer, b.app.SetOpenCooldown(ctx, a.guild, a.member(), n, a.meta())
		}))
		r.SlashCommand("/category-limit", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			key, n := d.String("category"), d.Int("limit")
			answer := a.locale.T("bot.setup.category_limit_off", "Category", key)
			if n > 0 {
				answer = a.locale.N("bot.setup.category_limit", n, "Category", key)
			}
			return answer, b.app.SetCategoryLimit(ctx, a.guild, a.member(), key, n, a.meta())
		}))
		r.SlashCommand("/reminder", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			n := d.Int("minutes")
			answer := a.locale.T("bot.setup.reminder_off")
			if n > 0 {
				answer = a.locale.T("bot.setup.reminder", "Period", said.Period(a.locale, time.Duration(n)*time.Minute))
			}
			return answer, b.app.SetReminder(ctx, a.guild, a.member(), n, a.meta())
		}))
		r.SlashCommand("/feedback", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			f := guild.Feedback{Enabled: d.Bool("enabled"), ByDM: d.String("where") == "dm"}
			answer := a.locale.T("bot.setup.feedback_off")
			switch {
			case f.Enabled && f.ByDM:
				answer = a.locale.T("bot.setup.feedback_dm")
			case f.Enabled:
				answer = a.locale.T("bot.setup.feedback_channel")
			}
			return answer, b.app.SetFeedback(ctx, a.guild, a.member(), f, a.meta())
		}))
		r.SlashCommand("/transcript-dm", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			on := d.Bool("enabled")
			answer := a.locale.T("bot.setup.transcript_dm_off")
			if on {
				answer = a.locale.T("bot.setup.transcript_dm_on")
			}
			return answer, b.app.SetTranscriptDM(ctx, a.guild, a.member(), on, a.meta())
		}))
		r.SlashCommand("/close-on-leave", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			on := d.Bool("enabled")
			answer := a.locale.T("bot.setup.close_on_leave_off")
			if on {
				answer = a.locale.T("bot.setup.close_on_leave_on")
			}
			return answer, b.app.SetCloseOnLeave(ctx, a.guild, a.member(), on, a.meta())
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
			return a.locale.T("bot.setup.panel_saved", "Panel", p.Key),
				b.app.SavePanel(ctx, a.guild, a.member(), p, a.meta())
		}))
		r.SlashCommand("/panel-remove", b.setupCmd(func(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
			return a.locale.T("bot.setup.panel_removed", "Panel", d.String("name")),
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
		return public(a.locale.T("bot.ticket.claimed", "User", a.user)), b.app.Claim(ctx, id, p, a.meta())
	}))
	r.ButtonComponent(idReopen+"{ticket}", b.btnTicket(func(ctx context.Context, a actor, id domain.TicketID, p ticket.Participant) (reply, error) {
		return public(a.locale.T("bot.ticket.reopened", "User", a.user)), b.app.Reopen(ctx, id, p, a.meta())
	}))
	r.ButtonComponent(idKeepOpen+"{ticket}", b.btnTicket(func(ctx context.Context, a actor, id domain.TicketID, p ticket.Participant) (reply, error) {
		return public(a.locale.T("bot.ticket.kept_open", "User", a.user)), b.app.KeepOpen(ctx, id, p, a.meta())
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
				return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.button_no_ticket")
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
		return categoryPicker(a.locale, idPanelCategory, cats), nil
	}
	if category == "" && len(cats) == 1 {
		category = cats[0].Key
	}
	if c, ok := s.Category(category); ok && len(c.Questions) > 0 {
		m := formModal(a.locale, c)
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
	return b.openedReply(a.locale, o, 0), nil
}

// cmdOpenFor is /ticket open-for <user> [topic] [category]: staff open a
// ticket for a member (none of the member's limits, no form).
func (b *Bot) cmdOpenFor(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		who, ok := d.OptUser("user")
		if _, member := d.OptMember("user"); !ok || !member {
			return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.not_a_member")
		}
		if who.Bot {
			return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.bot_no_tickets")
		}
		o, err := b.app.OpenTicket(ctx, app.OpenTicket{Guild: a.guild, Opener: domain.UserID(who.ID), OpenerName: who.Username, By: a.member(),
			Category: d.String("category"), Topic: d.String("topic"), Meta: a.meta()})
		if err != nil {
			return reply{}, err
		}
		return b.openedReply(a.locale, o, domain.UserID(who.ID)), nil
	})
}

// openedReply answers an open at once; the reactor creates the channel, and
// the answer is edited to link it once it exists. forWhom is the member
// staff opened it for (zero: the opener themselves).
func (b *Bot) openedReply(l i18n.Locale, o app.Opened, forWhom domain.UserID) reply {
	answer := l.T("bot.ticket.opened", "Number", o.Number)
	if !forWhom.IsZero() {
		answer = l.T("bot.ticket.opened_for", "Number", o.Number, "User", forWhom)
	}
	r := ephemeral(answer + awayNotice(l, o))
	r.then = func(ctx context.Context) (reply, bool) {
		for ctx.Err() == nil {
			if v, err := b.views.Get(ctx, string(o.Ticket)); err == nil && v.Channel != "" {
				answer := l.T("bot.ticket.opened_in", "Number", o.Number, "Channel", v.Channel)
				if !forWhom.IsZero() {
					answer = l.T("bot.ticket.opened_for_in", "Number", o.Number, "User", forWhom, "Channel", v.Channel)
				}
				return ephemeral(answer + awayNotice(l, o)), true
			}
			time.Sleep(50 * time.Millisecond)
		}
		return reply{}, false
	}
	return r
}

// awayNotice tells a member who opened outside support hours when staff are
// back.
func awayNotice(l i18n.Locale, o app.Opened) string {
	switch {
	case !o.OutsideHours:
		return ""
	case o.NextOpening.IsZero():
		return "\n" + l.T("bot.ticket.away")
	}
	return "\n" + l.T("bot.ticket.away_until", "Unix", o.NextOpening.Unix())
}

// categoryPicker asks which category to open in; the select's custom id
// says what answers it (idPanelCategory, or a message context menu's).
func categoryPicker(l i18n.Locale, customID string, cats []guild.Category) reply {
	var opts []discord.StringSelectMenuOption
	for _, c := range cats {
		opts = append(opts, discord.NewStringSelectMenuOption(c.Name, c.Key)) // the server's own names
	}
	return reply{content: l.T("bot.ticket.pick_category"), ephemeral: true, components: []discord.LayoutComponent{
		discord.NewActionRow(discord.NewStringSelectMenu(customID, l.T("bot.ticket.pick_category_placeholder"), opts...))}}
}

// formModal is a category's form, titled in the opener's language.
func formModal(l i18n.Locale, c guild.Category) discord.ModalCreate {
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
	title := truncateRunes(l.T("bot.ticket.open_form_title", "Category", c.Name), 45) // Discord's limit for a modal's title
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
			return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.pick_one_category")
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
			return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.button_no_ticket")
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
		m := discord.ModalCreate{CustomID: idCloseForm + e.Vars["ticket"], Title: a.locale.T("bot.ticket.close_form_title"),
			Components: []discord.LayoutComponent{discord.NewLabel(a.locale.T("bot.ticket.close_form_reason"), input)}}
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
			return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.button_no_rating")
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
		m := discord.ModalCreate{CustomID: idRateForm + e.Vars["ticket"] + "/" + e.Vars["stars"], Title: a.locale.T("bot.rating.form_title", "Stars", starsOf(stars)),
			Components: []discord.LayoutComponent{discord.NewLabel(a.locale.T("bot.rating.form_comment"), input)}}
		return reply{modal: &m}, nil
	})
}

func (b *Bot) modalRate(e *handler.ModalEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		id, err := domain.ParseTicketID(e.Vars["ticket"])
		stars, serr := strconv.Atoi(e.Vars["stars"])
		if err != nil || serr != nil {
			return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.form_no_rating")
		}
		p, err := b.buttonParticipant(ctx, a)
		if err != nil {
			return reply{}, err
		}
		if err := b.app.Rate(ctx, id, p, stars, e.Data.Text(rateCommentID), a.meta()); err != nil {
			return reply{}, err
		}
		return ephemeral(a.locale.N("bot.rating.thanks", int(ticket.FeedbackWindow.Hours()), "Stars", starsOf(stars))), nil
	})
}

// starsOf draws a rating: ★★★★☆.
func starsOf(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", 5-n) }

func (b *Bot) modalClose(e *handler.ModalEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		id, err := domain.ParseTicketID(e.Vars["ticket"])
		if err != nil {
			return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.form_no_ticket")
		}
		p, err := b.buttonParticipant(ctx, a)
		if err != nil {
			return reply{}, err
		}
		reason := e.Data.Text(closeReasonID)
		if err := b.app.Close(ctx, id, p, reason, a.meta()); err != nil {
			return reply{}, err
		}
		return public(ticketClosedSaid(a.locale, a.user, reason)), nil
	})
}

// setupCmd runs a /setup subcommand: a settings use case, whose answer is
// what it says when it succeeds.
func (b *Bot) setupCmd(change func(context.Context, actor, discord.SlashCommandInteractionData) (string, error)) handler.SlashCommandHandler {
	return func(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
		return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
			done, err := change(ctx, a, d)
			return ephemeral("✅ " + done), err
		})
	}
}

// cmdPanel posts the "Open ticket" panel.
func (b *Bot) cmdPanel(d discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		s, err := b.app.StaffSettings(ctx, a.guild, a.member())
		if err != nil {
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
			return ephemeral(a.locale.T("bot.setup.panel_posting", "Panel", name, "Channel", ch)), nil
		}
		// The plain panel is posted where everyone reads it: in the
		// server's channel language, as its buttons' later answers are in
		// each member's.
		l := b.channelLocale(ctx, s)
		_, err = b.client.Rest.CreateMessage(ch, discord.MessageCreate{
			Embeds:     []discord.Embed{{Title: l.T("bot.panel.title"), Description: l.T("bot.panel.text"), Color: 0x5865F2}},
			Components: []discord.LayoutComponent{discord.NewActionRow(discord.NewPrimaryButton(l.T("bot.panel.open"), idPanelOpen).WithEmoji(discord.ComponentEmoji{Name: "🎫"}))},
		}, rest.WithCtx(ctx))
		if err != nil {
			return reply{}, fmt.Errorf("post panel: %w", err)
		}
		return ephemeral(a.locale.T("bot.setup.panel_posted", "Channel", ch)), nil
	})
}

func (b *Bot) cmdShowSettings(_ discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		s, err := b.app.StaffSettings(ctx, a.guild, a.member())
		if err != nil {
			return reply{}, err
		}
		l := a.locale
		lines := []string{
			l.T("bot.setup.show_staff_roles", "Roles", mentions(l, s.StaffRoles(), "<@&%s>")),
			l.T("bot.setup.show_limit", "Limit", s.TicketLimit()),
			l.N("bot.setup.show_retention", s.RetentionDays()),
		}
		if s.LogChannel() != 0 {
			lines = append(lines, l.T("bot.setup.show_log_channel", "Channel", s.LogChannel()))
		}
		lines = append(lines,
			l.T("bot.setup.show_made_as", "MadeAs", madeAsSaid(l, s.ThreadChannel(""))),
			l.T("bot.setup.show_auto_close", "Rule", said.AutoClose(l, s.AutoClose())),
			l.T("bot.setup.show_close_on_leave", "OnOff", said.OnOff(l, s.CloseOnLeave())),
			l.T("bot.setup.show_transcript_dm", "OnOff", said.OnOff(l, s.TranscriptDM())),
			l.T("bot.setup.show_feedback", "Feedback", said.Feedback(l, s.Feedback())),
			l.T("bot.setup.show_reminder", "Reminder", said.Reminder(l, s.Reminder())),
			l.T("bot.setup.show_support_hours", "Hours", said.SupportHours(l, s.SupportHours())))
		for _, c := range s.Categories() {
			line := l.N("bot.setup.show_category", len(c.Questions), "Category", c.Name, "Key", c.Key)
			if own, ok := s.CategoryAutoClose(c.Key); ok {
				line += l.T("bot.setup.show_category_auto_close", "Rule", said.AutoClose(l, own))
			}
			if th := s.ThreadChannel(c.Key); th != s.ThreadChannel("") {
				line += l.T("bot.setup.show_category_threads", "MadeAs", madeAsSaid(l, th))
			}
			lines = append(lines, line)
		}
		return ephemeral(strings.Join(lines, "\n") + "\n"), nil
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
	return 0, domain.Refuse(domain.ErrInvalid, "bot.errors.after_format")
}

// btnAnswerCloseRequest is the Accept or Deny button of a close request.
func (b *Bot) btnAnswerCloseRequest(accept bool) handler.ButtonComponentHandler {
	return func(data discord.ButtonInteractionData, e *handler.ComponentEvent) error {
		n, err := strconv.Atoi(e.Vars["n"])
		if err != nil || n < 1 {
			return b.do(e.Ctx, e, func(context.Context, actor) (reply, error) {
				return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.button_no_close_request")
			})
		}
		return b.btnTicket(func(ctx context.Context, a actor, id domain.TicketID, p ticket.Participant) (reply, error) {
			if accept {
				return public(a.locale.T("bot.ticket.close_request_accepted", "User", a.user)), b.app.AnswerCloseRequest(ctx, id, p, n, true, a.meta())
			}
			return public(a.locale.T("bot.ticket.close_request_denied", "User", a.user)), b.app.AnswerCloseRequest(ctx, id, p, n, false, a.meta())
		})(data, e)
	}
}

// setupAutoClose is /setup auto-close hours [category] [warn-hours]
// [only-waiting] [inherit].
func (b *Bot) setupAutoClose(ctx context.Context, a actor, d discord.SlashCommandInteractionData) (string, error) {
	category := d.String("category")
	if d.Bool("inherit") {
		if category == "" {
			return "", domain.Refuse(domain.ErrInvalid, "bot.errors.inherit_needs_category")
		}
		return a.locale.T("bot.setup.auto_close_inherit", "Category", category),
			b.app.InheritAutoClose(ctx, a.guild, a.member(), category, a.meta())
	}
	rule := guild.AutoClose{AfterMinutes: d.Int("hours") * 60, OnlyWaiting: d.Bool("only-waiting")}
	if w, ok := d.OptInt("warn-hours"); ok {
		rule.WarnBeforeMinutes = w * 60
	}
	answer := a.locale.T("bot.setup.auto_close", "Rule", said.AutoClose(a.locale, rule))
	if category != "" {
		answer = a.locale.T("bot.setup.auto_close_category", "Category", category, "Rule", said.AutoClose(a.locale, rule))
	}
	return answer, b.app.SetAutoClose(ctx, a.guild, a.member(), category, rule, a.meta())
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
				return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.pick_target")
			}
			var err error
			if add {
				err = b.app.Blacklist(ctx, a.guild, a.member(), who, a.meta())
			} else {
				err = b.app.Unblacklist(ctx, a.guild, a.member(), who, a.meta())
			}
			if add {
				return ephemeral(a.locale.T("bot.blacklist.added", "Who", done)), err
			}
			return ephemeral(a.locale.T("bot.blacklist.removed", "Who", done)), err
		})
	}
}

func (b *Bot) cmdBlacklistList(_ discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		s, err := b.app.StaffSettings(ctx, a.guild, a.member())
		if err != nil {
			return reply{}, err
		}
		return ephemeral(a.locale.T("bot.blacklist.list",
			"Users", mentions(a.locale, s.BlacklistedUsers(), "<@%s>"), "Roles", mentions(a.locale, s.BlacklistedRoles(), "<@&%s>"))), nil
	})
}

func (b *Bot) cmdPrivacy(_ discord.SlashCommandInteractionData, e *handler.CommandEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		p, err := b.app.Profile(ctx, a.user)
		if err != nil {
			return reply{}, err
		}
		l := a.locale
		link := l.T("bot.privacy.my_data_page")
		if b.cfg.DashboardURL != "" {
			link = l.T("bot.privacy.my_data_link", "URL", strings.TrimRight(b.cfg.DashboardURL, "/")+"/me")
		}
		r := ephemeral(l.T("bot.privacy.stored", "Link", link))
		dms := discord.NewSecondaryButton(l.T("bot.privacy.refuse_dms_button"), idTranscriptDMs+"off")
		r.content += "\n\n" + l.T("bot.privacy.transcript_dms")
		if p.RefusesTranscriptDMs() {
			dms = discord.NewSecondaryButton(l.T("bot.privacy.accept_dms_button"), idTranscriptDMs+"on")
			r.content += " " + l.T("bot.privacy.transcript_dms_refused")
		}
		row := []discord.InteractiveComponent{dms}
		if a.manageServer && b.eraseGuild != nil {
			r.content += "\n\n" + l.T("bot.privacy.erase_offer")
			row = append(row, discord.NewDangerButton(l.T("bot.privacy.erase_button"), idEraseGuild))
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
			return reply{}, domain.Refuse(domain.ErrInvalid, "bot.errors.unknown_choice")
		}
		err := b.app.SetTranscriptDMs(ctx, a.user, refuse, a.meta())
		if err != nil && !errors.Is(err, domain.ErrUnchanged) {
			return reply{}, err
		}
		if refuse {
			return ephemeral(a.locale.T("bot.privacy.dms_refused")), nil
		}
		return ephemeral(a.locale.T("bot.privacy.dms_accepted")), nil
	})
}

// GuildEraser erases a server's ticket data (privacy.Eraser.EraseGuild).
type GuildEraser func(ctx context.Context, g domain.GuildID, by domain.Actor) (tickets int, err error)

// btnEraseGuild asks the server's manager to confirm in a form.
func (b *Bot) btnEraseGuild(_ discord.ButtonInteractionData, e *handler.ComponentEvent) error {
	return b.do(e.Ctx, e, func(_ context.Context, a actor) (reply, error) {
		if !a.manageServer {
			return reply{}, domain.Refuse(domain.ErrForbidden, "bot.errors.erase_forbidden")
		}
		input := discord.NewShortTextInput(eraseConfirmID)
		input.Required, input.Placeholder = true, eraseWord // typed as it is, in every language
		m := discord.ModalCreate{CustomID: idEraseForm, Title: a.locale.T("bot.privacy.erase_form_title"),
			Components: []discord.LayoutComponent{discord.NewLabel(a.locale.T("bot.privacy.erase_form_label"), input)}}
		return reply{modal: &m}, nil
	})
}

func (b *Bot) modalEraseGuild(e *handler.ModalEvent) error {
	return b.do(e.Ctx, e, func(ctx context.Context, a actor) (reply, error) {
		if !a.manageServer || b.eraseGuild == nil {
			return reply{}, domain.Refuse(domain.ErrForbidden, "bot.errors.erase_forbidden")
		}
		if strings.TrimSpace(e.Data.Text(eraseConfirmID)) != eraseWord {
			return ephemeral(a.locale.T("bot.privacy.erase_not_confirmed")), nil
		}
		n, err := b.eraseGuild(ctx, a.guild, domain.Actor{User: a.user, Source: domain.SourceModal})
		if err != nil {
			return reply{}, err
		}
		return ephemeral(a.locale.N("bot.privacy.erased", n)), nil
	})
}
