package discord_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// TestAServerManagerCanEraseTheServerFromPrivacy: before removing the bot,
// /privacy offers whoever manages the server to erase its tickets' data,
// confirmed in a form; a member is not offered it and cannot press it.
func TestAServerManagerCanEraseTheServerFromPrivacy(t *testing.T) {
	w := testenv.NewWorld(t)
	ch := openTicket(t, w, "erase me with the server")
	tk := ticketInChannel(t, w, ch)
	offer := func(u fakediscord.User) bool {
		in := w.Fake.SlashCommand(w.As(u, w.Lobby.ID), "privacy")
		res := w.Deliver(t, in)
		var data struct {
			Components []json.RawMessage `json:"components"`
		}
		_ = json.Unmarshal(res.Response.Data, &data)
		for _, c := range data.Components {
			if strings.Contains(string(c), "/privacy/erase-guild") {
				return true
			}
		}
		return false
	}
	if offer(w.Member) {
		t.Fatal("a member is offered to erase the server")
	}
	if !offer(w.Owner) {
		t.Fatal("the owner is not offered to erase the server")
	}
	if content, _ := run(t, w, w.Fake.Button(w.As(w.Member, w.Lobby.ID), "/privacy/erase-guild", nil)); !strings.Contains(content, "Manage Server") {
		t.Fatalf("a member pressing the button got %q", content)
	}
	if content, _ := run(t, w, w.Fake.ModalSubmit(w.As(w.Owner, w.Lobby.ID), "/form/erase-guild", [][2]string{{"confirm", "no"}})); !strings.Contains(content, "Nothing was erased") {
		t.Fatalf("an unconfirmed erasure said %q", content)
	}
	content, _ := run(t, w, w.Fake.ModalSubmit(w.As(w.Owner, w.Lobby.ID), "/form/erase-guild", [][2]string{{"confirm", "ERASE"}}))
	mustContain(t, "erasure", content, "1 tickets")
	w.WaitFor(t, "the ticket scrubbed", func() bool {
		v, err := w.Srv.TicketViews.Get(context.Background(), string(tk.ID()))
		return err == nil && v.Topic == "" && v.Erased
	})
}
