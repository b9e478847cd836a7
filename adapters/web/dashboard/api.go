package dashboard

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/projections/audit"
)

// The JSON API: the same data and the same access rules as the pages.

func (d *Dashboard) apiMe(c *fiber.Ctx) error {
	s := current(c)
	return c.JSON(fiber.Map{"id": s.User, "username": s.Username, "global_name": s.GlobalName, "avatar": s.Avatar,
		"session_expires": s.Expires, "csrf_token": s.CSRF})
}

func (d *Dashboard) apiGuilds(c *fiber.Ctx) error {
	gs, err := d.visibleGuilds(c.UserContext(), current(c))
	if err != nil {
		return d.denied(c, err)
	}
	out := make([]fiber.Map, 0, len(gs))
	for _, g := range gs {
		out = append(out, fiber.Map{"id": g.ID, "name": g.Name})
	}
	return c.JSON(fiber.Map{"guilds": out})
}

func (d *Dashboard) apiTickets(c *fiber.Ctx, s *staffCtx) error {
	list, err := d.read.Tickets.List(c.UserContext(), s.guild.String(), filterOf(c))
	if err != nil {
		return d.unavailable(c, err)
	}
	return c.JSON(list)
}

func (d *Dashboard) apiTicket(c *fiber.Ctx, s *staffCtx) error {
	v, err := d.ticketIn(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	return c.JSON(v)
}

func (d *Dashboard) apiTicketAction(c *fiber.Ctx, s *staffCtx) error {
	v, err := d.ticketIn(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	in, err := inputOf(c)
	if err != nil {
		return d.fail(c, fiber.StatusBadRequest, "The body is not a JSON object.")
	}
	done, err := d.ticketAction(c.UserContext(), s, domain.TicketID(v.ID), c.Params("action"), in)
	if errors.Is(err, errUnknownAction) {
		return d.fail(c, fiber.StatusNotFound, "Unknown action: use claim, unclaim, close, reopen, priority, topic or category.")
	}
	if msg, ok := refusal(err); ok {
		return d.fail(c, statusOf(err), msg)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	_ = d.waitViews(c.UserContext())
	return c.JSON(fiber.Map{"ok": true, "message": done.String()})
}

func (d *Dashboard) apiAudit(c *fiber.Ctx, s *staffCtx) error {
	tl, err := d.read.Audit.Timeline(c.UserContext(), audit.Query{Guild: s.guild.String(), Ticket: c.Query("ticket"),
		Actor: c.Query("actor"), Type: c.Query("type"), Before: int64(c.QueryInt("before")), Limit: c.QueryInt("limit", 50)})
	if err != nil {
		return d.unavailable(c, err)
	}
	return c.JSON(tl)
}

func (d *Dashboard) apiAnalytics(c *fiber.Ctx, s *staffCtx) error {
	from, to, days, err := d.series(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	return c.JSON(fiber.Map{"guild": s.guild.String(), "from": from, "to": to, "days": days})
}

func (d *Dashboard) apiSettings(c *fiber.Ctx, s *staffCtx) error {
	return c.JSON(settingsOf(s.settings))
}

func (d *Dashboard) apiSettingsChange(c *fiber.Ctx, s *staffCtx) error {
	in, err := inputOf(c)
	if err != nil {
		return d.fail(c, fiber.StatusBadRequest, "The body is not a JSON object.")
	}
	done, err := d.settingsChange(c.UserContext(), s, c.Params("what"), in)
	if errors.Is(err, errUnknownAction) {
		return d.fail(c, fiber.StatusNotFound, "Unknown setting.")
	}
	if msg, ok := refusal(err); ok {
		return d.fail(c, statusOf(err), msg)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	g, err := d.app.Settings(c.UserContext(), s.guild)
	if err != nil {
		return d.unavailable(c, err)
	}
	return c.JSON(fiber.Map{"ok": true, "message": done.String(), "settings": settingsOf(g)})
}

// waitViews lets the views catch up with what a dashboard action appended,
// so the page the browser is sent back to shows it.
func (d *Dashboard) waitViews(ctx context.Context) error {
	if d.read.Sync == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return d.read.Sync.WaitCaughtUp(ctx)
}
