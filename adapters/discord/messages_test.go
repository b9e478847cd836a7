package discord_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestTheServersOwnWelcomePingsAndCloseMessage(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	oncall := f.AddRole(w.Guild.ID, "On call", fakediscord.PermDefaultEveryone)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("messages",
		fakediscord.Str("welcome", "Hello {user}! Ticket {number} ({category}). {staff} answer within a day."),
		fakediscord.Str("close", "Thanks {user}, come back any time."), fakediscord.RoleOpt("ping", oncall.ID))))
	mustContain(t, "messages", content, "Messages saved")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("messages", fakediscord.Str("welcome", "Hi {name}"))))
	mustContain(t, "an unknown placeholder", content, "{name}, which is not a placeholder")

	ch := openTicket(t, w, "printer jam")
	tk := ticketInChannel(t, w, ch)
	welcome := f.Messages(ch.ID)[0]
	if !strings.Contains(welcome.Content, "<@&"+oncall.ID.String()+">") || len(welcome.Embeds) != 1 {
		t.Fatalf("the welcome does not ping the role: %+v", welcome)
	}
	desc := welcome.Embeds[0].Description
	want := "Hello <@" + w.Member.ID.String() + ">! Ticket " + strconv.FormatInt(tk.Number(), 10) + " (General). <@&" + w.StaffRole.ID.String() + "> answer within a day."
	if desc != want {
		t.Fatalf("the welcome says %q, want %q", desc, want)
	}
	run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("close")))
	w.WaitFor(t, "the close message", func() bool {
		return len(messagesWith(w, ch.ID, "Thanks <@"+w.Member.ID.String()+">, come back any time.")) == 1
	})
}

func TestChannelsNamedByTheServersScheme(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("messages", fakediscord.Str("naming", "{category}-{username}-{number}"))))
	mustContain(t, "naming", content, "Messages saved")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("messages", fakediscord.Str("naming", "{username}"))))
	mustContain(t, "a scheme without the number", content, "{number}")
	ch := openTicket(t, w, "named")
	if ch.Name != "general-mia-member-0001" {
		t.Fatalf("the channel is named %q", ch.Name)
	}
	tk := ticketInChannel(t, w, ch)
	w.Settle(t)
	if v, err := w.Srv.TicketViews.Get(t.Context(), string(tk.ID())); err != nil || v.Name != "general-mia-member-0001" {
		t.Fatalf("the ticket's name: %q (%v)", v.Name, err)
	}
}
