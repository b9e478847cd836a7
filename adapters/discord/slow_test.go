package discord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// TestASlowDatabaseIsStillAcknowledgedInTime: with every database request
// delayed, the interaction is deferred within Discord's 3 seconds and the
// answer follows when the work is done.
func TestASlowDatabaseIsStillAcknowledgedInTime(t *testing.T) {
	srv := testenv.SQLiteServer(t)
	proxy := testenv.StartSlowProxy(t, srv.Socket())
	w := testenv.NewWorld(t, testenv.WithMongoDB("mongodb://"+proxy.Addr()+"/", testenv.DatabaseName()))
	proxy.SetDelay(400 * time.Millisecond) // a ticket open makes a dozen round trips: several seconds
	open := w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open"))
	res := w.Deliver(t, open)
	if res.Took >= 3*time.Second {
		t.Fatalf("answered after %s, past Discord's 3 seconds", res.Took)
	}
	if res.Response.Type != fakediscord.ResponseDeferredChannelMessage {
		t.Fatalf("a slow open was answered with type %d, not deferred", res.Response.Type)
	}
	content, eph := w.Reply(t, open, res)
	if !eph || !strings.Contains(content, "Ticket #1 opened") {
		t.Fatalf("deferred answer %q (ephemeral %v)", content, eph)
	}
}

func TestInteractionsOverTheGatewayUseTheSameHandlers(t *testing.T) {
	w := testenv.NewWorld(t)
	in := w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "privacy")
	resp, err := w.Fake.InteractViaGateway(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != fakediscord.ResponseChannelMessage || !strings.Contains(string(resp.Data), "What Ticketify stores about you") {
		t.Fatalf("gateway interaction answered %d %s", resp.Type, resp.Data)
	}
}
