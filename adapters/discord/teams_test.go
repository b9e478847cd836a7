package discord_test

import (
	"strconv"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestACategoryTeamHandlesItsTicketsAndAMoveTakesThePermissions(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	billingTeam := f.AddRole(w.Guild.ID, "Billing team", fakediscord.PermDefaultEveryone)
	billy := f.NewUser("Billy Billing")
	f.AddMember(w.Guild.ID, billy, billingTeam.ID)
	for _, key := range []string{"billing", "other"} {
		run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", key), fakediscord.Str("name", key))))
	}
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-team",
		fakediscord.Str("category", "billing"), fakediscord.RoleOpt("role", billingTeam.ID), fakediscord.BoolOpt("only", true))))
	mustContain(t, "category team", content, "only <@&"+billingTeam.ID.String()+">")

	before := len(f.Channels(w.Guild.ID))
	run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("category", "billing"))))
	var ch fakediscord.Channel
	w.WaitFor(t, "the billing channel", func() bool {
		chans := f.Channels(w.Guild.ID)
		if len(chans) <= before {
			return false
		}
		ch = chans[len(chans)-1]
		return len(f.Messages(ch.ID)) >= 1
	})
	if _, _, ok := overwriteOf(w, ch.ID, billingTeam.ID); !ok {
		t.Fatal("the billing team does not see its ticket")
	}
	if _, _, ok := overwriteOf(w, ch.ID, w.StaffRole.ID); ok {
		t.Fatal("the server's staff see a ticket their category's team replaces them for")
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("claim")))
	mustContain(t, "the server's staff claims", content, "only staff")
	content, _ = run(t, w, f.SlashCommand(w.As(billy, ch.ID), "ticket", fakediscord.Sub("claim")))
	mustContain(t, "the team claims", content, "claimed")

	// Moved to a category of the server's staff: the permissions follow.
	content, _ = run(t, w, f.SlashCommand(w.As(billy, ch.ID), "ticket", fakediscord.Sub("move", fakediscord.Str("category", "other"))))
	mustContain(t, "move", content, "moved this ticket")
	w.WaitFor(t, "the channel's permissions moved", func() bool {
		_, _, team := overwriteOf(w, ch.ID, billingTeam.ID)
		_, _, staff := overwriteOf(w, ch.ID, w.StaffRole.ID)
		return !team && staff
	})
}

func TestANewTicketGoesToAnOverflowCategoryWhenItsOwnIsFull(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	full := f.AddCategory(w.Guild.ID, "Tickets")
	spare := f.AddCategory(w.Guild.ID, "Tickets 2")
	for i := range 50 {
		f.AddTextChannelIn(w.Guild.ID, full.ID, "old-"+strconv.Itoa(i))
	}
	run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", "help"),
		fakediscord.Str("name", "Help"), fakediscord.ChannelOpt("discord-category", full.ID))))
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-overflow",
		fakediscord.Str("category", "help"), fakediscord.ChannelOpt("overflow", spare.ID))))
	mustContain(t, "overflow", content, "overflows into 1")
	ch := openTicket(t, w, "room please")
	if ch.ParentID == nil || *ch.ParentID != spare.ID {
		t.Fatalf("the ticket's channel is under %v, want the overflow category %s", ch.ParentID, spare.ID)
	}
}
