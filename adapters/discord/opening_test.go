package discord_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

func parseSnowflake(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStaffOpenForAMemberAndMembersWaitBetweenOpens(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("cooldown", fakediscord.Int("minutes", 30))))
	mustContain(t, "cooldown", content, "waits 30 min")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-limit", fakediscord.Str("category", "nope"), fakediscord.Int("limit", 1))))
	mustContain(t, "an unknown category's limit", content, `no category "nope"`)

	ch := openTicket(t, w, "first")
	run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "ticket", fakediscord.Sub("close")))
	w.Settle(t)
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "again"))))
	mustContain(t, "an open within the wait", content, "opened a ticket recently")

	// Staff open one for the member anyway: the wait is the member's.
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "ticket", fakediscord.Sub("open-for",
		fakediscord.UserOpt("user", w.Member.ID), fakediscord.Str("topic", "called in"))))
	mustContain(t, "open-for", content, "opened for <@"+w.Member.ID.String()+">")
	w.Settle(t)
	page, err := w.Srv.TicketViews.List(ctx, w.Guild.ID.String(), ticketviews.Filter{Status: "open"})
	if err != nil || len(page.Tickets) != 1 || page.Tickets[0].Opener != w.Member.ID.String() || page.Tickets[0].Topic != "called in" {
		t.Fatalf("the ticket opened for the member: %+v (%v)", page, err)
	}
	staffOpened := page.Tickets[0]
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open-for", fakediscord.UserOpt("user", w.Staff.ID))))
	mustContain(t, "a member opening for someone", content, "only staff")

	// After the wait (and with the staff-opened ticket closed) the member opens again.
	v, err := w.Srv.TicketViews.Get(ctx, staffOpened.ID)
	if err != nil || v.Channel == "" {
		t.Fatalf("its channel: %+v (%v)", v, err)
	}
	run(t, w, f.SlashCommand(w.As(w.Staff, fakediscord.Snowflake(parseSnowflake(t, v.Channel))), "ticket", fakediscord.Sub("close")))
	w.Settle(t)
	w.Clock.Advance(31 * time.Minute)
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "later"))))
	mustContain(t, "an open after the wait", content, "opened")
}
