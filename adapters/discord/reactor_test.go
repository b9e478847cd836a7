package discord_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/transcripts"
)

func lifecycle(t *testing.T, w *testenv.World, id domain.TicketID) []string {
	t.Helper()
	h, err := w.Srv.Store.Load(context.Background(), ticket.Stream(id))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range h.Events {
		out = append(out, e.EventType())
	}
	return out
}

func TestA429StormIsWaitedOutAndEachActionHappensOnce(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	f.RateLimitNext("POST", "/guilds/", 300*time.Millisecond, 3)
	f.RateLimitNext("POST", "/channels/", 200*time.Millisecond, 3)
	f.FailNext("POST", "/channels/", 502, 2)
	ch := openTicket(t, w, "storm")
	w.Settle(t) // every retry done: a duplicate would be there now
	created := 0
	for _, c := range f.Calls("POST", "/guilds/") {
		if c.Status == 201 {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d channels created", created)
	}
	if n := len(f.Messages(ch.ID)); n != 1 {
		t.Fatalf("%d welcome messages", n)
	}
	if limited := len(f.Calls("POST", "/guilds/")) - created; limited != 3 {
		t.Fatalf("%d rate-limited attempts recorded, want 3", limited)
	}
}

func TestAPermanentFailureIsRecordedForStaff(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	logCh := f.AddTextChannel(w.Guild.ID, "ticket-log")
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("log-channel", fakediscord.ChannelOpt("channel", logCh.ID))))
	mustContain(t, "log channel", content, "Close summaries")
	f.FailNext("POST", "/guilds/", 403, 100) // Missing Permissions, every time
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open")))
	mustContain(t, "open", content, "appears in a moment")
	var id string
	w.WaitFor(t, "the failure recorded on the ticket", func() bool {
		list, err := w.Srv.TicketViews.All(context.Background(), w.Guild.ID.String())
		if err != nil || len(list) != 1 {
			return false
		}
		id = list[0].ID
		v, err := w.Srv.TicketViews.Get(context.Background(), id)
		return err == nil && strings.Contains(v.LastFailure, "create channel: Discord answered 403")
	})
	if got := lifecycle(t, w, domain.TicketID(id)); got[len(got)-1] != "ticket.discord_action_failed.v1" {
		t.Fatalf("events %v", got)
	}
	w.WaitFor(t, "staff told in the log channel", func() bool {
		msgs := f.Messages(logCh.ID)
		return len(msgs) == 1 && strings.Contains(msgs[0].Content, "could not create channel")
	})
}

func TestRenamesRespectDiscordsTwoPerTenMinutes(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	ch := openTicket(t, w, "names")
	named := func(name string) bool { c, _ := f.Channel(ch.ID); return c.Name == name }
	rename := func(name string) {
		t.Helper()
		content, _ := run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("rename", fakediscord.Str("name", name))))
		mustContain(t, "rename", content, name)
	}
	// Two renames within ten minutes reach Discord, one after the other.
	for _, name := range []string{"first", "second"} {
		rename(name)
		w.WaitFor(t, "the channel named "+name, func() bool { return named(name) })
	}
	// A third and a fourth wait for the window: only the latest is applied then.
	rename("third")
	rename("fourth")
	w.Settle(t)
	if err := w.Srv.Reactor.RunDue(context.Background()); err != nil { // the scheduled rename's turn: not yet
		t.Fatal(err)
	}
	renames := f.Calls("PATCH", "/channels/")
	if len(renames) != 2 || !named("second") {
		t.Fatalf("%d renames reached Discord within 10 minutes", len(renames))
	}
	for _, c := range renames {
		if c.Status == 429 {
			t.Fatal("the bot hit Discord's rename limit instead of waiting")
		}
	}
	w.Clock.Advance(10*time.Minute + time.Second)
	w.WaitFor(t, "the latest name applied once the window passed", func() bool { return named("fourth") })
	if n := len(f.Calls("PATCH", "/channels/")); n != 3 {
		t.Fatalf("%d renames in all, want 3 (the intermediate name skipped)", n)
	}
}

func TestAClosedChannelIsDeletedAfterTheDelay(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "bye")
	tk := ticketInChannel(t, w, ch)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "ticket", fakediscord.Sub("close", fakediscord.Str("reason", "done"))))
	mustContain(t, "close", content, "closed")
	w.WaitFor(t, "the channel locked", func() bool { return len(f.Messages(ch.ID)) == 2 })
	w.Clock.Advance(59 * time.Minute)
	if err := w.Srv.Reactor.RunDue(context.Background()); err != nil { // the scheduled deletion's turn
		t.Fatal(err)
	}
	if _, ok := f.Channel(ch.ID); !ok {
		t.Fatal("deleted before the delay")
	}
	w.Clock.Advance(2 * time.Minute)
	w.WaitFor(t, "the channel deleted", func() bool { _, ok := f.Channel(ch.ID); return !ok })
	w.WaitFor(t, "the removal recorded, not a loss", func() bool {
		got := lifecycle(t, w, tk.ID())
		return got[len(got)-1] == "ticket.channel_removed.v1"
	})
	w.Settle(t) // the CHANNEL_DELETE that followed is recorded by now, if it were a loss
	for _, e := range lifecycle(t, w, tk.ID()) {
		if e == "ticket.channel_lost.v1" {
			t.Fatal("the bot's own deletion was recorded as a channel lost by hand")
		}
	}
	// Reopening gives it a fresh channel.
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open")))
	mustContain(t, "a new ticket after closing", content, "opened")
}

func TestTheReactorDoesNothingTwiceWhenEverythingIsDeliveredAgain(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "once")
	_, _ = run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "ticket", fakediscord.Sub("close")))
	w.WaitFor(t, "the close handled", func() bool { return len(f.Messages(ch.ID)) == 2 })
	rewindReactor(t, w) // every event is delivered again
	created := 0
	for _, c := range f.Calls("POST", "/guilds/") {
		if c.Status == 201 {
			created++
		}
	}
	if created != 1 || len(f.Messages(ch.ID)) != 2 {
		t.Fatalf("after redelivery: %d channels created, %d messages", created, len(f.Messages(ch.ID)))
	}
}

func TestATranscriptIsDeletedNinetyDaysAfterTheClose(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "retention")
	tk := ticketInChannel(t, w, ch)
	f.PostMessage(ch.ID, w.Member, "my address is 1 Privacy Road")
	w.WaitFor(t, "the message captured", func() bool { return len(captured(t, w, tk.ID())) >= 2 })
	content, _ := run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "ticket", fakediscord.Sub("close", fakediscord.Str("reason", "solved"))))
	mustContain(t, "close", content, "closed")
	ctx := context.Background()
	w.WaitFor(t, "the transcript projected", func() bool {
		tr, err := w.Srv.Transcripts.Get(ctx, string(tk.ID()))
		return err == nil && tr.CloseReason == "solved"
	})
	w.Settle(t) // every message of the ticket (the bot's welcome too) is captured before the clock jumps
	w.Clock.Advance(89 * 24 * time.Hour)
	if _, err := w.Srv.Retention.RunDue(ctx); err != nil { // a retention run on day 89
		t.Fatal(err)
	}
	if _, err := w.Srv.Transcripts.Get(ctx, string(tk.ID())); err != nil {
		t.Fatalf("day 89: %v", err)
	}
	w.Clock.Advance(24*time.Hour + time.Minute)
	w.WaitFor(t, "the transcript deleted on day 90", func() bool {
		_, err := w.Srv.Transcripts.Get(ctx, string(tk.ID()))
		return errors.Is(err, transcripts.ErrExpired)
	})
	for _, e := range captured(t, w, tk.ID()) {
		if p, ok := e.(ticket.MessagePosted); ok && p.Personal.Content != "" {
			t.Fatalf("a message still decodes: %+v", p)
		}
	}
	// Nor does the member's own export show it: the promise holds end to end.
	var export bytes.Buffer
	if _, err := w.Srv.Exporter.ExportUserZIP(ctx, &export, domain.UserID(w.Member.ID), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(export.Bytes(), []byte("Privacy Road")) {
		t.Fatal("day 91: the member's export still holds the expired message")
	}
	zr, err := zip.NewReader(bytes.NewReader(export.Bytes()), int64(export.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		if bytes.Contains(b, []byte("Privacy Road")) || bytes.Contains(b, []byte("solved")) {
			t.Fatalf("day 91: %s in the export still holds the expired content", f.Name)
		}
	}
}
