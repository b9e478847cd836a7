package discord_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// captured returns the ticket's captured message events.
func captured(t *testing.T, w *testenv.World, id domain.TicketID) []domain.Event {
	t.Helper()
	h, err := w.Srv.Store.Load(context.Background(), ticket.MessagesStream(id))
	if err != nil {
		t.Fatal(err)
	}
	return h.Events
}

func postedIDs(evs []domain.Event) []domain.MessageID {
	var ids []domain.MessageID
	for _, e := range evs {
		if p, ok := e.(ticket.MessagePosted); ok {
			ids = append(ids, p.Message)
		}
	}
	return ids
}

func TestMessagesAreCapturedLiveWithEditsAndDeletions(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "hello")
	tk := ticketInChannel(t, w, ch)
	m1 := f.PostMessage(ch.ID, w.Member, "my order #4711 never arrived", fakediscord.Attachment{Filename: "receipt.pdf", Size: 1234, URL: "https://cdn.example/receipt.pdf"})
	m2 := f.PostMessage(ch.ID, w.Member, "typo hre")
	f.EditMessage(ch.ID, m2.ID, "typo here")
	f.DeleteMessageByHand(ch.ID, m1.ID)
	f.PostMessage(w.Lobby.ID, w.Member, "not a ticket channel")
	// The archiver's outcome for m1's file is appended to the same stream
	// whenever its download is done: the capture is the rest.
	capturedMessages := func() []domain.Event {
		var out []domain.Event
		for _, e := range captured(t, w, tk.ID()) {
			switch e.(type) {
			case ticket.AttachmentArchived, ticket.AttachmentNotArchived:
				continue
			}
			out = append(out, e)
		}
		return out
	}
	w.WaitFor(t, "posted, edited and deleted captured", func() bool { return len(capturedMessages()) >= 5 })
	evs := capturedMessages()
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.EventType())
	}
	want := []string{"ticket.message_posted.v1", "ticket.message_posted.v1", "ticket.message_posted.v1", "ticket.message_edited.v1", "ticket.message_deleted.v1"}
	if !slices.Equal(kinds, want) { // the bot's welcome message, m1, m2, the edit, the deletion
		t.Fatalf("captured %v", kinds)
	}
	first := evs[1].(ticket.MessagePosted)
	if first.Personal.Content != "my order #4711 never arrived" || first.Personal.AuthorName != "Mia Member" ||
		len(first.Personal.Attachments) != 1 || first.Personal.Attachments[0].Filename != "receipt.pdf" {
		t.Fatalf("first message %+v", first)
	}
	if e := evs[3].(ticket.MessageEdited); e.Personal.Content != "typo here" {
		t.Fatalf("edit %+v", e)
	}
}

func TestAChannelDeletedByHandClosesTheTicketAndTheTranscriptSurvives(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	ch := openTicket(t, w, "hello")
	tk := ticketInChannel(t, w, ch)
	f.PostMessage(ch.ID, w.Member, "please keep this")
	w.WaitFor(t, "the message captured", func() bool { return len(captured(t, w, tk.ID())) == 2 })
	f.DeleteChannelByHand(ch.ID)
	w.WaitFor(t, "the ticket closed as channel lost", func() bool {
		tk, _ := w.Srv.App.Ticket(context.Background(), tk.ID())
		return tk.Status() == ticket.StatusClosed && tk.ChannelLost()
	})
	if got := postedIDs(captured(t, w, tk.ID())); len(got) != 2 {
		t.Fatalf("transcript lost messages: %v", got)
	}
	// The opener may open a new ticket: the lost one no longer holds the slot.
	content, _ := run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open")))
	mustContain(t, "open after channel lost", content, "opened")
}

func TestAGatewayOutageIsBackFilledWithoutHolesOrDuplicates(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "hello")
	tk := ticketInChannel(t, w, ch)
	live := f.PostMessage(ch.ID, w.Member, "before the outage")
	w.WaitFor(t, "the live message", func() bool { return slices.Contains(postedIDs(captured(t, w, tk.ID())), domain.MessageID(live.ID)) })

	// The gateway drops and refuses to resume; messages keep coming meanwhile.
	f.SetGatewayOpen(false)
	f.DropGateway(false)
	var missed []fakediscord.Message
	for i := range 5 {
		missed = append(missed, f.PostMessage(ch.ID, w.Member, "during the outage "+string(rune('a'+i))))
	}
	f.SetGatewayOpen(true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	after := f.PostMessage(ch.ID, w.Member, "after the outage")
	w.WaitFor(t, "every message captured", func() bool { return len(postedIDs(captured(t, w, tk.ID()))) >= 8 })
	w.Settle(t) // a duplicate, if one were coming, is in the log by now
	got := postedIDs(captured(t, w, tk.ID()))
	var want []domain.MessageID
	for _, m := range f.Messages(ch.ID) {
		want = append(want, domain.MessageID(m.ID))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("captured %v\nDiscord has %v", got, want)
	}
	_, _ = missed, after
}

func TestAResumedGatewayReplaysWhatItMissed(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "hello")
	tk := ticketInChannel(t, w, ch)
	f.DropGateway(true)
	m := f.PostMessage(ch.ID, w.Member, "sent while reconnecting")
	w.WaitFor(t, "the replayed message", func() bool {
		return slices.Contains(postedIDs(captured(t, w, tk.ID())), domain.MessageID(m.ID))
	})
}

func TestTheBotRemovedAndAMemberLeavingAreRecorded(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	f.RemoveMember(w.Guild.ID, w.Member.ID)
	w.WaitFor(t, "the member's departure", func() bool {
		h, _ := w.Srv.Store.Load(ctx, member.Stream(domain.GuildID(w.Guild.ID), domain.UserID(w.Member.ID)))
		return len(h.Events) == 1 && h.Events[0].EventType() == "member.left_guild.v1"
	})
	f.RemoveBot(w.Guild.ID)
	w.WaitFor(t, "the bot's removal", func() bool {
		h, _ := w.Srv.Store.Load(ctx, guild.Stream(domain.GuildID(w.Guild.ID)))
		return !guild.FromHistory(domain.GuildID(w.Guild.ID), h.Events).BotPresent()
	})
}
