package discord_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestOpenTicketWithASlashCommand(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake

	setup := f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("staff-role", fakediscord.RoleOpt("role", w.StaffRole.ID)))
	res := w.Deliver(t, setup)
	if content, eph := w.Reply(t, setup, res); !eph || !strings.Contains(content, "Staff roles saved") {
		t.Fatalf("setup staff-role answered %q (ephemeral %v)", content, eph)
	}

	open := f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "my order never arrived")))
	res = w.Deliver(t, open)
	content, eph := w.Reply(t, open, res)
	if !eph || !strings.Contains(content, "Ticket #1 opened") {
		t.Fatalf("open answered %q (ephemeral %v)", content, eph)
	}
	var channel fakediscord.Channel
	w.WaitFor(t, "the ticket channel", func() bool {
		for _, c := range f.Channels(w.Guild.ID) {
			if c.Name == "ticket-0001" {
				channel = c
				return true
			}
		}
		return false
	})
	if channel.Topic == nil || !strings.HasPrefix(*channel.Topic, "Ticketify ticket ") {
		t.Fatalf("channel topic %v", channel.Topic)
	}
	allowed := map[fakediscord.Snowflake]bool{}
	for _, o := range channel.PermissionOverwrites {
		if o.ID == w.Guild.ID && !strings.Contains(o.Deny, "1024") {
			t.Fatalf("@everyone is not denied View Channel: %+v", o)
		}
		if o.Allow != "0" {
			allowed[o.ID] = true
		}
	}
	if !allowed[w.Member.ID] || !allowed[w.StaffRole.ID] || allowed[w.Guild.ID] {
		t.Fatalf("overwrites %+v", channel.PermissionOverwrites)
	}
	w.WaitFor(t, "the welcome message", func() bool {
		msgs := f.Messages(channel.ID)
		return len(msgs) == 1 && len(msgs[0].Embeds) == 1 && strings.Contains(msgs[0].Embeds[0].Fields[0].Value, "never arrived")
	})
	w.WaitFor(t, "the answer edited to link the channel", func() bool {
		m, ok := f.Original(open.Token)
		return ok && strings.Contains(m.Content, "<#"+channel.ID.String()+">")
	})
	w.WaitFor(t, "the ticket listed", func() bool {
		v, err := w.Srv.TicketViews.List(context.Background(), w.Guild.ID.String(), ticketviewsFilter())
		return err == nil && v.Total == 1 && v.Tickets[0].Opener == w.Member.ID.String()
	})
}
