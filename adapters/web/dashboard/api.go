package dashboard

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/projections/audit"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// The JSON API: the same data and the same access rules as the pages, in
// the API's own types (apitypes.go), described in docs/openapi.yaml.

func (d *Dashboard) apiMe(c *fiber.Ctx) error {
	return c.JSON(toAPIMe(current(c)))
}

func (d *Dashboard) apiGuilds(c *fiber.Ctx) error {
	gs, err := d.visibleGuilds(c.UserContext(), current(c))
	if err != nil {
		return d.denied(c, err)
	}
	return c.JSON(toAPIGuilds(gs))
}

func (d *Dashboard) apiTickets(c *fiber.Ctx, s *staffCtx) error {
	list, err := d.read.Tickets.List(c.UserContext(), s.guild.String(), filterOf(c))
	list = visibleTo(s, list)
	if err != nil {
		return d.unavailable(c, err)
	}
	return c.JSON(toAPITicketPage(list))
}

func (d *Dashboard) apiTicket(c *fiber.Ctx, s *staffCtx) error {
	v, err := d.ticketIn(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	return c.JSON(toAPITicket(v))
}

func (d *Dashboard) apiTicketAction(c *fiber.Ctx, s *staffCtx) error {
	v, err := d.ticketIn(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	in, err := inputOf(c)
	if err != nil {
		return d.fail(c, fiber.StatusBadRequest, "web.errors.api_not_json")
	}
	done, err := d.ticketAction(c.UserContext(), s, domain.TicketID(v.ID), c.Params("action"), in)
	if errors.Is(err, errUnknownAction) {
		return d.fail(c, fiber.StatusNotFound, "web.errors.api_unknown_action")
	}
	if msg, ok := refusal(i18n.English(), err); ok { // English, as every API message
		return d.failWith(c, statusOf(err), msg)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	_ = d.waitViews(c.UserContext())
	return c.JSON(apiOK{OK: true, Message: done.String()})
}

func (d *Dashboard) apiAudit(c *fiber.Ctx, s *staffCtx) error {
	tl, err := d.read.Audit.Timeline(c.UserContext(), audit.Query{Guild: s.guild.String(), Ticket: c.Query("ticket"),
		Actor: c.Query("actor"), Type: c.Query("type"), Before: int64(c.QueryInt("before")), Limit: c.QueryInt("limit", 50)})
	if err == nil {
		tl, err = d.auditVisibleTo(c.UserContext(), s, tl)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	return c.JSON(toAPIAuditPage(tl))
}

func (d *Dashboard) apiAnalytics(c *fiber.Ctx, s *staffCtx) error {
	from, to, days, err := d.series(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	return c.JSON(toAPIAnalytics(s.guild.String(), from, to, days))
}

func (d *Dashboard) apiSettings(c *fiber.Ctx, s *staffCtx) error {
	return c.JSON(toAPISettings(s.settings))
}

func (d *Dashboard) apiSettingsChange(c *fiber.Ctx, s *staffCtx) error {
	in, err := inputOf(c)
	if err != nil {
		return d.fail(c, fiber.StatusBadRequest, "web.errors.api_not_json")
	}
	done, err := d.settingsChange(c.UserContext(), s, c.Params("what"), in)
	if errors.Is(err, errUnknownAction) {
		return d.fail(c, fiber.StatusNotFound, "web.errors.unknown_setting")
	}
	if msg, ok := refusal(i18n.English(), err); ok { // English, as every API message
		return d.failWith(c, statusOf(err), msg)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	g, err := d.app.Settings(c.UserContext(), s.guild)
	if err != nil {
		return d.unavailable(c, err)
	}
	return c.JSON(apiSettingsChanged{OK: true, Message: done.String(), Settings: toAPISettings(g)})
}

// waitViews lets the views catch up with what a dashboard action appended,
// so the page the browser is sent back to shows it.
func (d *Dashboard) waitViews(ctx context.Context) error {
	if d.read.Sync == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return d.read.Sync.WaitCaughtUpFor(ctx, ticketviews.Name, transcripts.Name, audit.Name)
}
