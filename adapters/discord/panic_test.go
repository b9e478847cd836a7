package discord_test

import (
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// A panic in a command's handler is a bug, not an outage: the person gets
// a private error reply, and the program goes on answering.
func TestAPanickingHandlerAnswersWithAnErrorAndTheProgramGoesOn(t *testing.T) {
	w := testenv.NewWorld(t)
	w.Srv.Discord.AddPanickingCommand("explode", "a member's secret words")

	content, eph := run(t, w, w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "explode"))
	if !eph {
		t.Fatal("the error reply must be private")
	}
	mustContain(t, "the panicking command's answer", content, "Something went wrong on our side")
	for range 3 { // and again: no crash, no stuck lock
		content, _ = run(t, w, w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "explode"))
		mustContain(t, "again", content, "Something went wrong")
	}
	content, _ = run(t, w, w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "after the panic"))))
	mustContain(t, "an open after the panics", content, "opened")
}
