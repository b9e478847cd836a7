package discord_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

func TestAMemberOpensATicketAboutAMessage(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	staffSetup(t, w)
	bad := f.PostMessage(w.Lobby.ID, w.Staff, "this message is the problem")
	content, _ := run(t, w, f.MessageCommand(w.As(w.Member, w.Lobby.ID), "Open ticket about this message", bad))
	mustContain(t, "open about", content, "opened")
	w.Settle(t)
	page, err := w.Srv.TicketViews.List(ctx, w.Guild.ID.String(), ticketviews.Filter{})
	if err != nil || len(page.Tickets) != 1 {
		t.Fatalf("tickets: %+v %v", page, err)
	}
	v, err := w.Srv.TicketViews.Get(ctx, page.Tickets[0].ID)
	if err != nil || v.Opener != w.Member.ID.String() || len(v.Answers) != 1 || v.Answers[0].Question != "About this message" ||
		!strings.Contains(v.Answers[0].Answer, "<@"+w.Staff.ID.String()+">: this message is the problem") ||
		!strings.Contains(v.Answers[0].Answer, "/channels/"+w.Guild.ID.String()+"/"+w.Lobby.ID.String()+"/"+bad.ID.String()) {
		t.Fatalf("the ticket about the message: %+v (%v)", v, err)
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, fakediscord.Snowflake(parseSnowflake(t, v.Channel))), "ticket", fakediscord.Sub("close")))
	mustContain(t, "close", content, "closed")

	// With several categories the member picks one; the message is read
	// again, and only from this server.
	for _, key := range []string{"billing", "other"} {
		run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", key), fakediscord.Str("name", key))))
	}
	w.Settle(t)
	ref := w.Lobby.ID.String() + "/" + bad.ID.String()
	res := w.Deliver(t, f.MessageCommand(w.As(w.Member, w.Lobby.ID), "Open ticket about this message", bad))
	if !strings.Contains(string(res.Body), "/about/category/"+ref) {
		t.Fatalf("no category picker for the message: %s", res.Body)
	}
	elsewhere := f.AddGuild("Elsewhere", w.Owner)
	far := f.AddTextChannel(elsewhere.ID, "far")
	farMsg := f.PostMessage(far.ID, w.Owner, "secret elsewhere")
	content, _ = run(t, w, f.Select(w.As(w.Member, w.Lobby.ID), "/about/category/"+far.ID.String()+"/"+farMsg.ID.String(), []string{"billing"}, nil))
	mustContain(t, "a message from another server", content, "that message is not in this")
	content, _ = run(t, w, f.Select(w.As(w.Member, w.Lobby.ID), "/about/category/"+ref, []string{"billing"}, nil))
	mustContain(t, "picked billing", content, "opened")
}
