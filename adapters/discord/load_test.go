package discord_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// A thousand tickets fall due at once (auto-close switched on over quiet
// tickets, then their warnings' time passing): every one is warned, then
// closed, within 60 s each, through a fake Discord that enforces the global
// rate limit of 50 requests a second. A load run, behind TICKETIFY_LOAD=1
// (docs/BENCHMARKS.md); TICKETIFY_LOAD_TICKETS changes the count.
func TestLoadAThousandTicketsDueAtOnce(t *testing.T) {
	if os.Getenv("TICKETIFY_LOAD") == "" {
		t.Skip("a load run: set TICKETIFY_LOAD=1")
	}
	n := 1000
	if s := os.Getenv("TICKETIFY_LOAD_TICKETS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	staffSetup(t, w)
	owner := guild.Member{User: domain.UserID(w.Owner.ID), ManageServer: true}
	g := domain.GuildID(w.Guild.ID)
	began := time.Now()
	for i := range n {
		u := f.NewUser(fmt.Sprintf("member%d", i))
		f.AddMember(w.Guild.ID, u)
		if _, err := w.Srv.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: domain.UserID(u.ID), Topic: "load"}); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 30*time.Minute, "every channel created", func() bool {
		return len(f.Channels(w.Guild.ID)) >= n+1
	})
	w.Settle(t)
	t.Logf("seeded %d tickets with their channels in %s", n, time.Since(began).Round(time.Second))
	f.SetGlobalRateLimit(50)
	if err := w.Srv.App.SetAutoClose(ctx, g, owner, "", guild.AutoClose{AfterMinutes: 24 * 60}, app.Meta{}); err != nil {
		t.Fatal(err)
	}
	count := func(text string) int {
		total := 0
		for _, ch := range f.Channels(w.Guild.ID) {
			total += len(messagesWith(w, ch.ID, text))
		}
		return total
	}
	step := func(what, text string) {
		t.Helper()
		w.Settle(t)
		w.Clock.Advance(12*time.Hour + time.Minute)
		start := time.Now()
		if _, err := w.Srv.Automation.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		decided := time.Since(start)
		for deadline := time.Now().Add(5 * time.Minute); count(text) < n; time.Sleep(250 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d of %d after 5 minutes", what, count(text), n)
			}
		}
		took := time.Since(start)
		t.Logf("%d tickets %s: decided and appended in %s, all posted on Discord in %s (%d requests answered 429 for the global limit)",
			n, what, decided.Round(time.Millisecond), took.Round(time.Millisecond), f.GloballyLimited())
		if decided > 60*time.Second {
			t.Errorf("%s took %s, more than 60 s", what, decided)
		}
	}
	step("warned", "closes <t:")
	step("closed", "Closed automatically: inactive 24 h")

}
