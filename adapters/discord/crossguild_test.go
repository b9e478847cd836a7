package discord_test

import (
	"context"
	"testing"

	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// A button or form names its ticket in its custom id, which anyone can
// copy or forge. Whoever sends it, from another server (where they may well
// be an administrator) or from another channel, gets a refusal, and nothing
// at all is appended: not to the ticket, not even a usage count.
func TestButtonsAndFormsNamingATicketElsewhereAreRefusedAndAppendNothing(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	staffSetup(t, w)
	ch := openTicket(t, w, "my invoice")
	tk := ticketInChannel(t, w, ch)
	id := string(tk.ID())

	// Mallory owns another server with Ticketify in it: Manage Server there.
	mallory := f.NewUser("Mallory")
	evil := f.AddGuild("Evil Server", mallory)
	evilCh := f.AddTextChannel(evil.ID, "general")
	fromEvil := fakediscord.Actor{Guild: evil.ID, Channel: evilCh.ID, User: mallory}
	// The guild's own staff pressing a ticket's button outside its channel.
	fromLobby := w.As(w.Staff, w.Lobby.ID)
	// A slash command claiming to come from the ticket's channel, but from the other server.
	forgedChannel := fakediscord.Actor{Guild: evil.ID, Channel: ch.ID, User: mallory}

	attempts := map[string]fakediscord.Interaction{
		"claim button from another server":  f.Button(fromEvil, "/ticket/claim/"+id, nil),
		"close button from another server":  f.Button(fromEvil, "/ticket/close/"+id, nil),
		"close form from another server":    f.ModalSubmit(fromEvil, "/form/close/"+id, [][2]string{{"reason", "pwned"}}),
		"reopen button from another server": f.Button(fromEvil, "/ticket/reopen/"+id, nil),
		"claim button from another channel": f.Button(fromLobby, "/ticket/claim/"+id, nil),
		"close form from another channel":   f.ModalSubmit(fromLobby, "/form/close/"+id, [][2]string{{"reason", "wrong place"}}),
		"slash close in a forged channel":   f.SlashCommand(forgedChannel, "ticket", fakediscord.Sub("close", fakediscord.Str("reason", "pwned"))),
		"slash claim in a forged channel":   f.SlashCommand(forgedChannel, "ticket", fakediscord.Sub("claim")),
		"keep open from another server":     f.Button(fromEvil, "/ticket/keep-open/"+id, nil),
		"accept a close request elsewhere":  f.Button(fromEvil, "/ticket/close-request/accept/"+id+"/1", nil),
		"deny a close request elsewhere":    f.Button(fromLobby, "/ticket/close-request/deny/"+id+"/1", nil),
		"rate from another server":          f.Button(fromEvil, "/ticket/rate/"+id+"/1", nil),
		"rating form from another channel":  f.ModalSubmit(fromLobby, "/form/rate/"+id+"/1", [][2]string{{"comment", "forged"}}),
		"slash close-request, forged":       f.SlashCommand(forgedChannel, "ticket", fakediscord.Sub("close-request")),
	}
	w.Settle(t)
	before := head(t, w)
	for name, in := range attempts {
		res := w.Deliver(t, in)
		if res.Response.Type == fakediscord.ResponseModal {
			t.Errorf("%s: answered with a form", name)
			continue
		}
		content, eph := w.Reply(t, in, res)
		if !eph || content == "" {
			t.Errorf("%s: answered %q (ephemeral %v), want a private refusal", name, content, eph)
		}
	}
	w.Settle(t)
	if h := head(t, w); h != before {
		commits, _ := w.Srv.Log.ReadLog(ctx, "", before+1, int(h-before))
		for _, c := range commits {
			t.Errorf("appended: stream %s by %s (%s): %d records, first %s", c.Stream, c.Actor.User, c.Actor.Source, len(c.Records), c.Records[0].Type)
		}
		t.Fatalf("refused requests appended %d commits (mallory %s, staff %s, member %s)", h-before, mallory.ID, w.Staff.ID, w.Member.ID)
	}
	after, err := w.Srv.App.Ticket(ctx, tk.ID())
	if err != nil {
		t.Fatal(err)
	}
	if after.Version() != tk.Version() || after.Status() != ticket.StatusOpen || after.Claimer() != 0 {
		t.Fatalf("the ticket changed: version %d→%d, status %s, claimer %s", tk.Version(), after.Version(), after.Status(), after.Claimer())
	}

	// The same buttons in the ticket's own channel still work.
	content, _ := run(t, w, f.Button(w.As(w.Staff, ch.ID), "/ticket/claim/"+id, nil))
	mustContain(t, "claim in the ticket's channel", content, "claimed this ticket")
}
