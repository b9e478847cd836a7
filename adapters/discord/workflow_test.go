package discord_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// run delivers an interaction and returns its (possibly deferred) answer.
func run(t testing.TB, w *testenv.World, in fakediscord.Interaction) (string, bool) {
	t.Helper()
	return w.Reply(t, in, w.Deliver(t, in))
}

func mustContain(t testing.TB, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("%s: got %q, want it to contain %q", what, got, want)
	}
}

// openTicket opens a ticket as the member and returns its channel.
func openTicket(t testing.TB, w *testenv.World, topic string) fakediscord.Channel {
	t.Helper()
	before := len(w.Fake.Channels(w.Guild.ID))
	content, _ := run(t, w, w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", topic))))
	mustContain(t, "open", content, "opened")
	var ch fakediscord.Channel
	w.WaitFor(t, "the ticket channel and its welcome message", func() bool {
		chans := w.Fake.Channels(w.Guild.ID)
		if len(chans) <= before {
			return false
		}
		ch = chans[len(chans)-1]
		return len(w.Fake.Messages(ch.ID)) >= 1
	})
	return ch
}

func staffSetup(t testing.TB, w *testenv.World) {
	t.Helper()
	content, _ := run(t, w, w.Fake.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("staff-role", fakediscord.RoleOpt("role", w.StaffRole.ID))))
	mustContain(t, "setup", content, "saved")
}

func ticketInChannel(t testing.TB, w *testenv.World, ch fakediscord.Channel) ticket.Ticket {
	t.Helper()
	var id string
	w.WaitFor(t, "the channel's ticket in the views", func() bool {
		var err error
		id, _, err = w.Srv.TicketViews.TicketByChannel(context.Background(), ch.ID.String())
		return err == nil
	})
	tk, err := w.Srv.App.Ticket(context.Background(), domain.TicketID(id))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func buttons(m fakediscord.Message) []string {
	var ids []string
	for _, row := range m.Components {
		var r struct {
			Components []struct {
				CustomID string `json:"custom_id"`
			} `json:"components"`
		}
		_ = json.Unmarshal(row, &r)
		for _, c := range r.Components {
			ids = append(ids, c.CustomID)
		}
	}
	return ids
}

func TestStaffWorkflowThroughButtonsModalsAndCommands(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	logCh := f.AddTextChannel(w.Guild.ID, "ticket-log")
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("log-channel", fakediscord.ChannelOpt("channel", logCh.ID))))
	mustContain(t, "log channel", content, "Close summaries")

	ch := openTicket(t, w, "refund please")
	welcome := f.Messages(ch.ID)[0]
	ids := buttons(welcome)
	if len(ids) != 2 || !strings.HasPrefix(ids[0], "/ticket/claim/") || !strings.HasPrefix(ids[1], "/ticket/close/") {
		t.Fatalf("welcome buttons %v", ids)
	}

	// The member may not claim; staff may, once.
	content, eph := run(t, w, f.Button(w.As(w.Member, ch.ID), ids[0], &welcome))
	if !eph {
		t.Fatal("a refusal must be ephemeral")
	}
	mustContain(t, "member claims", content, "only staff can claim")
	content, eph = run(t, w, f.Button(w.As(w.Staff, ch.ID), ids[0], &welcome))
	if eph {
		t.Fatal("a claim is announced publicly")
	}
	mustContain(t, "staff claims", content, "claimed this ticket")
	content, _ = run(t, w, f.Button(w.As(w.Staff, ch.ID), ids[0], &welcome))
	mustContain(t, "second claim", content, "already claimed")

	friend := f.NewUser("Fred Friend")
	f.AddMember(w.Guild.ID, friend)
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("add", fakediscord.UserOpt("user", friend.ID))))
	mustContain(t, "add", content, "added")
	w.WaitFor(t, "the friend's overwrite", func() bool {
		c, _ := f.Channel(ch.ID)
		for _, o := range c.PermissionOverwrites {
			if o.ID == friend.ID && o.Type == 1 && o.Allow != "0" {
				return true
			}
		}
		return false
	})
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("rename", fakediscord.Str("name", "Refund Bob"))))
	mustContain(t, "rename", content, "refund-bob")
	w.WaitFor(t, "the channel renamed", func() bool { c, _ := f.Channel(ch.ID); return c.Name == "refund-bob" })
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("priority", fakediscord.Str("level", "urgent"))))
	mustContain(t, "priority", content, "urgent")

	// Close through the button's modal, with a reason.
	res := w.Deliver(t, f.Button(w.As(w.Member, ch.ID), ids[1], &welcome))
	if res.Response.Type != fakediscord.ResponseModal {
		t.Fatalf("the close button answered %d, want a modal", res.Response.Type)
	}
	tk := ticketInChannel(t, w, ch)
	closeForm := f.ModalSubmit(w.As(w.Member, ch.ID), "/form/close/"+string(tk.ID()), [][2]string{{"reason", "sorted, thanks"}})
	content, _ = run(t, w, closeForm)
	mustContain(t, "close", content, "sorted, thanks")
	w.WaitFor(t, "the channel locked and the close summary logged", func() bool {
		c, _ := f.Channel(ch.ID)
		locked := false
		for _, o := range c.PermissionOverwrites {
			if o.ID == w.Member.ID && o.Deny == "2048" {
				locked = true
			}
		}
		logged := len(f.Messages(logCh.ID)) == 1 && len(f.Messages(logCh.ID)[0].Attachments) == 1
		return locked && logged
	})
	summary := f.Messages(logCh.ID)[0]
	if summary.Embeds[0].Title != "Ticket #1 closed" || summary.Attachments[0].Filename != "refund-bob.html" {
		t.Fatalf("close summary %+v", summary)
	}
	msgs := f.Messages(ch.ID)
	closedMsg := msgs[len(msgs)-1]
	reopen := buttons(closedMsg)
	if len(reopen) != 1 || !strings.HasPrefix(reopen[0], "/ticket/reopen/") {
		t.Fatalf("closed message buttons %v", reopen)
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("claim")))
	mustContain(t, "claim a closed ticket", content, "is closed")

	content, _ = run(t, w, f.Button(w.As(w.Member, ch.ID), reopen[0], &closedMsg))
	mustContain(t, "reopen", content, "reopened")
	w.WaitFor(t, "the channel unlocked", func() bool {
		c, _ := f.Channel(ch.ID)
		for _, o := range c.PermissionOverwrites {
			if o.ID == w.Member.ID && o.Deny == "0" {
				return true
			}
		}
		return false
	})
	tk = ticketInChannel(t, w, ch)
	if tk.Status() != ticket.StatusOpen || tk.Claimer() != domain.UserID(w.Staff.ID) || tk.Priority() != ticket.PriorityUrgent || !tk.IsParticipant(domain.UserID(friend.ID)) {
		t.Fatalf("ticket state after the workflow: %+v", tk)
	}
	// Every command and button was counted.
	if n := len(f.Calls("POST", "/interactions/")); n != 0 {
		t.Fatalf("%d gateway callbacks for HTTP interactions", n)
	}
}

func TestOpenFromThePanelWithACategoryForm(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	discordCat := f.AddCategory(w.Guild.ID, "Billing tickets")
	for _, sub := range []map[string]any{
		fakediscord.Sub("category-add", fakediscord.Str("key", "billing"), fakediscord.Str("name", "Billing"), fakediscord.ChannelOpt("discord-category", discordCat.ID)),
		fakediscord.Sub("category-question", fakediscord.Str("key", "billing"), fakediscord.Str("label", "Order number"), map[string]any{"name": "required", "type": 5, "value": true}),
		fakediscord.Sub("category-add", fakediscord.Str("key", "other"), fakediscord.Str("name", "Something else")),
	} {
		content, _ := run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "setup", sub))
		mustContain(t, "setup", content, "✅")
	}
	content, _ := run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "setup", fakediscord.Sub("panel")))
	mustContain(t, "panel", content, "Panel posted")
	panel := f.Messages(w.Lobby.ID)[0]
	if ids := buttons(panel); len(ids) != 1 || ids[0] != "/panel/open" {
		t.Fatalf("panel buttons %v", ids)
	}
	// Two categories: the button asks which.
	res := w.Deliver(t, f.Button(w.As(w.Member, w.Lobby.ID), "/panel/open", &panel))
	var picker struct {
		Components []json.RawMessage `json:"components"`
		Flags      int               `json:"flags"`
	}
	_ = json.Unmarshal(res.Response.Data, &picker)
	if res.Response.Type != fakediscord.ResponseChannelMessage || len(picker.Components) != 1 {
		t.Fatalf("panel button answered %s", res.Body)
	}
	// Billing has a question: picking it shows the form.
	res = w.Deliver(t, f.Select(w.As(w.Member, w.Lobby.ID), "/panel/category", []string{"billing"}, &panel))
	if res.Response.Type != fakediscord.ResponseModal || !strings.Contains(string(res.Response.Data), "Order number") {
		t.Fatalf("category pick answered %s", res.Body)
	}
	content, _ = run(t, w, f.ModalSubmit(w.As(w.Member, w.Lobby.ID), "/form/open/billing", [][2]string{{"q0", "#4711"}}))
	mustContain(t, "form submit", content, "Ticket #1 opened")
	var ch fakediscord.Channel
	w.WaitFor(t, "the ticket channel under the billing category", func() bool {
		for _, c := range f.Channels(w.Guild.ID) {
			if c.Name == "ticket-0001" && c.ParentID != nil && *c.ParentID == discordCat.ID {
				ch = c
				return len(f.Messages(c.ID)) == 1
			}
		}
		return false
	})
	fields := f.Messages(ch.ID)[0].Embeds[0].Fields
	if len(fields) != 1 || fields[0].Name != "Order number" || fields[0].Value != "#4711" {
		t.Fatalf("welcome fields %+v", fields)
	}
	// A required answer left empty is refused and opens nothing.
	content, eph := run(t, w, f.ModalSubmit(w.As(w.Staff, w.Lobby.ID), "/form/open/billing", [][2]string{{"q0", "  "}}))
	if !eph {
		t.Fatal("refusal not ephemeral")
	}
	mustContain(t, "empty answer", content, "needs an answer")
}
