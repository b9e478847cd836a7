package discord_test

import (
	"strconv"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// overwriteOf returns the channel's overwrite for a role or member, and
// whether it has one.
func overwriteOf(w *testenv.World, ch, target fakediscord.Snowflake) (allow, deny uint64, ok bool) {
	for _, c := range w.Fake.Channels(w.Guild.ID) {
		if c.ID != ch {
			continue
		}
		for _, o := range c.PermissionOverwrites {
			if o.ID == target {
				a, _ := strconv.ParseUint(o.Allow, 10, 64)
				d, _ := strconv.ParseUint(o.Deny, 10, 64)
				return a, d, true
			}
		}
	}
	return 0, 0, false
}

func TestAClaimThatHidesTheTicketFromOtherStaffAndItsTransfer(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	colleague := f.NewUser("Cal Colleague")
	f.AddMember(w.Guild.ID, colleague, w.StaffRole.ID)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("claim-mode", fakediscord.Str("mode", "hide"))))
	mustContain(t, "claim mode", content, "hide from other staff")
	ch := openTicket(t, w, "private matter")
	tk := ticketInChannel(t, w, ch)
	run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("claim")))
	w.WaitFor(t, "the staff role hidden, the claimer let in", func() bool {
		_, roleDeny, _ := overwriteOf(w, ch.ID, w.StaffRole.ID)
		samAllow, _, sam := overwriteOf(w, ch.ID, w.Staff.ID)
		return roleDeny&fakediscord.PermViewChannel != 0 && sam && samAllow&fakediscord.PermSendMessages != 0
	})

	// Another staff member is kept out; the server's owner (an admin) is not.
	content, _ = run(t, w, f.SlashCommand(w.As(colleague, ch.ID), "ticket", fakediscord.Sub("close")))
	mustContain(t, "a colleague closes", content, "claimed this ticket; only they or an admin")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, ch.ID), "ticket", fakediscord.Sub("priority", fakediscord.Str("level", "high"))))
	mustContain(t, "the owner sets the priority", content, "high")

	// Handed over: the colleague holds the claim and the channel; Sam leaves it.
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("transfer", fakediscord.UserOpt("user", colleague.ID))))
	mustContain(t, "transfer", content, "handed this ticket to <@"+colleague.ID.String()+">")
	w.WaitFor(t, "the channel handed over", func() bool {
		_, _, sam := overwriteOf(w, ch.ID, w.Staff.ID)
		_, _, cal := overwriteOf(w, ch.ID, colleague.ID)
		return !sam && cal
	})
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("transfer", fakediscord.UserOpt("user", w.Member.ID))))
	mustContain(t, "Sam, no longer the claimer", content, "only they or an admin")
	content, _ = run(t, w, f.SlashCommand(w.As(colleague, ch.ID), "ticket", fakediscord.Sub("transfer", fakediscord.UserOpt("user", w.Member.ID))))
	mustContain(t, "to a member who is not staff", content, "member of staff")

	// Unclaimed: every staff member sees and writes again.
	run(t, w, f.SlashCommand(w.As(colleague, ch.ID), "ticket", fakediscord.Sub("unclaim")))
	w.WaitFor(t, "staff back in", func() bool {
		roleAllow, roleDeny, _ := overwriteOf(w, ch.ID, w.StaffRole.ID)
		_, _, cal := overwriteOf(w, ch.ID, colleague.ID)
		return roleDeny == 0 && roleAllow&fakediscord.PermSendMessages != 0 && !cal
	})
	w.Settle(t)
	if v, err := w.Srv.TicketViews.Get(t.Context(), string(tk.ID())); err != nil || v.Claimer != "" || v.Priority != "high" {
		t.Fatalf("the ticket: claimer %q, priority %q (%v)", v.Claimer, v.Priority, err)
	}
}
