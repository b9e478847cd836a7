package discord_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// During a Discord outage at start (gateway refused, REST answering 503)
// the program is not dark: HTTP serves at once, /healthz answers 503 naming
// the gateway, interactions and the dashboard work, and the gateway
// connects in the background when Discord is back.
func TestTheProgramServesDuringADiscordOutageAndConnectsLater(t *testing.T) {
	start := time.Now()
	w := testenv.NewWorld(t, testenv.WithDiscordDown)
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("the program took %s to start with the gateway down", took)
	}
	base := "http://" + w.Srv.Addr()
	status, body := httpGet(t, base+"/healthz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "discord") {
		t.Fatalf("/healthz during the outage: %d %s, want 503 naming discord", status, body)
	}
	if status, _ := httpGet(t, base+"/"); status != http.StatusOK {
		t.Fatalf("the dashboard answered %d during the outage", status)
	}
	content, _ := run(t, w, w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "outage"))))
	mustContain(t, "an open during the gateway outage", content, "opened")

	w.Fake.ClearFaults()
	w.Fake.SetGatewayOpen(true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Fake.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("the gateway never connected after the outage: %v", err)
	}
	w.WaitFor(t, "/healthz to turn healthy", func() bool {
		status, _ := httpGet(t, base+"/healthz")
		return status == http.StatusOK
	})
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
