package discord_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// FuzzInteractionsEndpoint throws arbitrary bodies at /interactions, signed
// (so parsing and routing are exercised) and unsigned. The program must not
// panic, must answer every request, and must append nothing for a request it
// refuses. `go test` runs the seed corpus; CI runs the fuzzer for a while.
func FuzzInteractionsEndpoint(f *testing.F) {
	w := testenv.NewWorld(f)
	fake := w.Fake
	for _, in := range []fakediscord.Interaction{
		fake.Ping(),
		fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "privacy"),
		fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("close", fakediscord.Str("reason", "x"))),
		fake.Button(w.As(w.Member, w.Lobby.ID), "/ticket/claim/01JD7Q4V3S8X2N6M5K4J3H2G1F", nil),
		fake.ModalSubmit(w.As(w.Member, w.Lobby.ID), "/form/close/01JD7Q4V3S8X2N6M5K4J3H2G1F", [][2]string{{"reason", "r"}}),
	} {
		b, _ := json.Marshal(in)
		f.Add(b, true)
	}
	f.Add([]byte(`{"type":2}`), true)
	f.Add([]byte(`{"type":3,"data":{"custom_id":"/panel/open","component_type":2}}`), true)
	f.Add([]byte(`not json`), true)
	f.Add([]byte(`{}`), false)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		ctx := context.Background()
		before, err := w.Srv.Log.Head(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := fake.DeliverRaw(ctx, w.Endpoint, body, sign)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		switch res.Status {
		case 200:
			// A valid interaction: whatever it did, it was entitled to. Let its
			// work (usage counting, the reactor) finish so that the next input
			// is judged alone.
			w.Settle(t)
			return
		case 400, 401:
		default:
			t.Fatalf("answered %d: %s", res.Status, res.Body)
		}
		after, err := w.Srv.Log.Head(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("a refused request (%d) appended %d commits", res.Status, after-before)
		}
	})
}
