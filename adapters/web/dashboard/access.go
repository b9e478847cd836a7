package dashboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

// rolesFresh is how long a member's roles, read through the bot, are trusted.
const rolesFresh = time.Minute

// staleGrace is how long past its freshness (guildsFresh, rolesFresh) a
// guild list or a member's roles still serve while Discord cannot be asked
// again (it is down, the user removed the app, the token's refresh is
// refused): a short outage locks nobody out, and a lost permission counts at
// most this much later. After it, access is refused (errStale).
const staleGrace = 2 * time.Minute

// staffCtx is a request by someone allowed to manage one guild.
type staffCtx struct {
	sess     *session
	guild    domain.GuildID
	name     string
	settings guild.Settings
	member   guild.Member       // as the settings' rules see them
	by       ticket.Participant // as the ticket decisions see them
	manages  bool               // Manage Server (or owner, or Administrator) there
}

// errNoAccess is the one answer for a guild the user may not see, whether
// it exists or not.
var errNoAccess = errors.New("you do not manage Ticketify in this server")

// errStale: Discord has not confirmed the user's guilds or roles for longer
// than their freshness and staleGrace, so no access is granted.
var errStale = errors.New("access not confirmed by Discord recently")

// access decides, on every request, whether the session's user is staff in
// the guild: Ticketify must be in it, and the user must have Manage Server
// there (from Discord's guild list, at most guildsFresh old) or hold one of
// its staff roles (asked from Discord through the bot, at most rolesFresh
// old). The URL's guild id is never trusted by itself.
func (d *Dashboard) access(ctx context.Context, sess *session, guildID string) (*staffCtx, error) {
	g, err := domain.ParseGuildID(guildID)
	if err != nil {
		return nil, errNoAccess
	}
	if err := d.refreshGuilds(ctx, sess); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(sess.Guilds, func(ug userGuild) bool { return ug.ID == g.String() })
	if i < 0 {
		return nil, errNoAccess
	}
	ug := sess.Guilds[i]
	settings, err := d.settingsOf(ctx, g)
	if err != nil {
		return nil, err
	}
	if !settings.BotPresent() {
		return nil, errNoAccess
	}
	user, err := domain.ParseUserID(sess.User)
	if err != nil {
		return nil, errNoAccess
	}
	manage := ug.managesServer()
	var roles []domain.RoleID
	if !manage && len(settings.StaffRoles()) > 0 && d.dir != nil {
		if roles, err = d.memberRoles(ctx, g, user); err != nil {
			return nil, err
		}
	}
	member := guild.Member{User: user, Roles: roles, ManageServer: manage}
	if settings.MayRead(member) != nil { // the dashboard is for staff: the settings' own rule
		return nil, errNoAccess
	}
	teams, excluded := settings.TeamsOf(roles)
	return &staffCtx{sess: sess, guild: g, name: ug.Name, settings: settings, member: member,
		by: ticket.Participant{User: user, Staff: true, Admin: manage, Guild: g, Teams: teams, Excluded: excluded}, manages: manage}, nil
}

// settingsFresh is how long a guild's settings are reused between requests:
// a change made here is seen at once, one made on Discord within this time.
const settingsFresh = 2 * time.Second

// cachedGuilds bounds the guilds whose settings, and cachedMembers the
// guild members whose roles, are remembered.
const cachedGuilds, cachedMembers = 10_000, 10_000

func (d *Dashboard) settingsOf(ctx context.Context, g domain.GuildID) (guild.Settings, error) {
	if s, ok := d.settingsByGuild.Get(g); ok {
		return s, nil
	}
	s, err := d.app.Settings(ctx, g)
	if err != nil {
		return s, err
	}
	d.settingsByGuild.Add(g, s)
	return s, nil
}

// forgetSettings makes the next request read a guild's settings again.
func (d *Dashboard) forgetSettings(g domain.GuildID) { d.settingsByGuild.Remove(g) }

func (d *Dashboard) memberRoles(ctx context.Context, g domain.GuildID, u domain.UserID) ([]domain.RoleID, error) {
	key := g.String() + "/" + u.String()
	cached, age, ok := d.rolesByMember.GetWithAge(key) // stale ones serve within staleGrace
	if ok && age < rolesFresh {
		return cached, nil
	}
	roles, err := d.dir.MemberRoles(ctx, g, u)
	if err != nil {
		d.logger.Warn("member roles not read", "guild", g, "err", err)
		if ok && age < rolesFresh+staleGrace {
			return cached, nil
		}
		return nil, fmt.Errorf("%w: roles in guild %s not read: %w", errStale, g, err)
	}
	d.rolesByMember.Add(key, roles)
	return roles, nil
}

// staffHandler is a handler for one guild's staff.
type staffHandler func(c *fiber.Ctx, s *staffCtx) error

// staff checks access to the URL's guild before h runs.
func (d *Dashboard) staff(h staffHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s, err := d.access(c.UserContext(), current(c), c.Params("guild"))
		if err != nil {
			return d.denied(c, err)
		}
		return h(c, s)
	}
}

// denied answers an access check that did not grant access.
func (d *Dashboard) denied(c *fiber.Ctx, err error) error {
	switch {
	case errors.Is(err, errNoAccess):
		return d.fail(c, fiber.StatusForbidden, "web.errors.no_access")
	case errors.Is(err, errStale):
		return d.fail(c, fiber.StatusForbidden, "web.errors.stale")
	}
	return d.unavailable(c, err)
}

// fail answers an error, its sentence named by key (args: its
// placeholders' names and values, as for i18n.Locale.T): a page in the
// reader's language for browsers; for the API, JSON with the English
// sentence — API messages stay English whatever the request's language,
// like its field names and values, so scripts and logs read the same.
func (d *Dashboard) fail(c *fiber.Ctx, status int, key string, args ...any) error {
	if isAPI(c) {
		return c.Status(status).JSON(apiError{Error: i18n.English().T(key, args...)})
	}
	return d.failWith(c, status, localeOf(c).T(key, args...))
}

// failWith answers an error with a sentence already in the reader's
// language (a refusal's).
func (d *Dashboard) failWith(c *fiber.Ctx, status int, message string) error {
	if isAPI(c) {
		return c.Status(status).JSON(apiError{Error: message})
	}
	c.Status(status)
	return d.render(c, "error", page{Title: localeOf(c).T("web.error.title"), Data: map[string]any{"Status": status, "Message": message}})
}

// badRequest is a request the dashboard cannot answer as asked; its key
// names the sentence that says why.
type badRequest struct{ key string }

func (b badRequest) Error() string { return i18n.English().T(b.key) }

// failed answers an error of a read: a ticket not in this guild is 404, a
// bad request 400, anything else unavailable.
func (d *Dashboard) failed(c *fiber.Ctx, err error) error {
	var br badRequest
	switch {
	case errors.Is(err, ticketviews.ErrNotFound):
		return d.fail(c, fiber.StatusNotFound, "web.errors.no_ticket")
	case errors.As(err, &br):
		return d.fail(c, fiber.StatusBadRequest, br.key)
	}
	return d.unavailable(c, err)
}

// unavailable answers an unexpected error without its details.
func (d *Dashboard) unavailable(c *fiber.Ctx, err error) error {
	if errors.Is(err, mongodb.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		d.logger.Warn("database unavailable", "path", c.Path(), "err", err)
		return d.fail(c, fiber.StatusServiceUnavailable, "web.errors.database")
	}
	d.logger.Error("dashboard request failed", "path", c.Path(), "err", err)
	return d.fail(c, fiber.StatusInternalServerError, "web.errors.internal")
}

// Name is the guild's name, for templates.
func (s *staffCtx) Name() string { return s.name }

// ID is the guild's id, for templates.
func (s *staffCtx) ID() string { return s.guild.String() }
