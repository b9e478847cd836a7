package discord_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func head(t *testing.T, w *testenv.World) int64 {
	t.Helper()
	h, err := w.Srv.Log.Head(context.Background(), eventstore.DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	before := head(t, w)
	open := f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open"))
	body, _ := json.Marshal(open)

	res, err := f.DeliverRaw(ctx, w.Endpoint, body, false)
	if err != nil || res.Status != 401 {
		t.Fatalf("unsigned: %d %v", res.Status, err)
	}
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-2] = ' ' // change a byte after signing would change the signature check
	sig, ts := f.Sign(body, testNow())
	if status := postSigned(t, w.Endpoint, tampered, sig, ts); status != 401 {
		t.Fatalf("tampered body: %d", status)
	}
	if res := postSigned(t, w.Endpoint, body, strings.Repeat("0", 128), ts); res != 401 {
		t.Fatalf("wrong signature: %d", res)
	}
	garbage := []byte(`{"type": 2, "data": [nope`)
	sig, ts = f.Sign(garbage, testNow())
	if res := postSigned(t, w.Endpoint, garbage, sig, ts); res != 400 {
		t.Fatalf("malformed body: %d", res)
	}
	if h := head(t, w); h != before {
		t.Fatalf("bad requests appended %d commits", h-before)
	}

	ping := w.Deliver(t, f.Ping())
	if ping.Status != 200 || ping.Response.Type != fakediscord.ResponsePong {
		t.Fatalf("PING answered %d %s", ping.Status, ping.Body)
	}
	for name, in := range map[string]fakediscord.Interaction{
		"unknown command":           f.SlashCommand(w.As(w.Member, w.Lobby.ID), "frobnicate"),
		"unknown subcommand":        f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("teleport")),
		"unknown custom id":         f.Button(w.As(w.Member, w.Lobby.ID), "/no/such/button", nil),
		"custom id without a slash": f.Button(w.As(w.Member, w.Lobby.ID), "legacy-button", nil),
		"button of no ticket":       f.Button(w.As(w.Member, w.Lobby.ID), "/ticket/claim/not-a-ticket-id", nil),
	} {
		content, eph := run(t, w, in)
		if !eph || content == "" {
			t.Errorf("%s: answered %q (ephemeral %v)", name, content, eph)
		}
	}
	if h := head(t, w); h > before+2 { // only the usage of the "button of no ticket" (a known route) may be recorded
		t.Fatalf("unknown interactions appended %d commits", h-before)
	}
}

func TestTwentyConcurrentOpensByOneMemberOpenOneTicket(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	var wg sync.WaitGroup
	answers := make([]string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open")))
		}()
	}
	wg.Wait()
	opened, refused := 0, 0
	for _, a := range answers {
		switch {
		case strings.Contains(a, "opened"):
			opened++
		case strings.Contains(a, "the limit in this server is 1"):
			refused++
		default:
			t.Errorf("unexpected answer %q", a)
		}
	}
	if opened != 1 || refused != 19 {
		t.Fatalf("%d opened, %d refused", opened, refused)
	}
	w.WaitFor(t, "exactly one ticket channel", func() bool { return len(f.Calls("POST", "/guilds/")) == 1 })
}

func TestABlacklistedMemberCannotOpen(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "blacklist", fakediscord.Sub("add", map[string]any{"name": "target", "type": 9, "value": w.Member.ID.String()})))
	mustContain(t, "blacklist", content, "may no longer open")
	content, eph := run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open")))
	if !eph {
		t.Fatal("refusal not ephemeral")
	}
	mustContain(t, "blacklisted open", content, "blacklisted")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "blacklist", fakediscord.Sub("list")))
	mustContain(t, "member lists the blacklist", content, "only staff")
	if n := len(f.Calls("POST", "/guilds/")); n != 0 {
		t.Fatalf("%d channels created for a refused open", n)
	}
}
