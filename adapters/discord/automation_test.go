package discord_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/audit"
)

// messagesWith returns the channel's messages containing a text.
func messagesWith(w *testenv.World, ch fakediscord.Snowflake, text string) []fakediscord.Message {
	var out []fakediscord.Message
	for _, m := range w.Fake.Messages(ch) {
		if strings.Contains(m.Content, text) {
			out = append(out, m)
		}
	}
	return out
}

// travel moves the program's clock and lets the automation look.
func travel(t *testing.T, w *testenv.World, d time.Duration) {
	t.Helper()
	w.Settle(t)
	w.Clock.Advance(d)
	if _, err := w.Srv.Automation.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Settle(t)
}

func status(t *testing.T, w *testenv.World, id domain.TicketID) ticket.Status {
	t.Helper()
	tk, err := w.Srv.App.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk.Status()
}

func TestAnInactiveTicketIsWarnedADayBeforeAndClosedAtTheDeadline(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("auto-close", fakediscord.Int("hours", 72))))
	mustContain(t, "setup auto-close", content, "after 72 h")
	ch := openTicket(t, w, "quiet")
	tk := ticketInChannel(t, w, ch)

	travel(t, w, 48*time.Hour-2*time.Minute)
	if n := len(messagesWith(w, ch.ID, "closes")); n != 0 {
		t.Fatalf("warned %d times before the 48th hour", n)
	}
	travel(t, w, 3*time.Minute)
	warnings := messagesWith(w, ch.ID, "closes <t:")
	if len(warnings) != 1 || !strings.Contains(string(warnings[0].Components[0]), "/ticket/keep-open/"+string(tk.ID())) {
		t.Fatalf("want one warning with a Keep open button, got %+v", warnings)
	}
	// The opener answers, a minute later: the period starts again from their message.
	w.Clock.Advance(time.Minute)
	f.PostMessage(ch.ID, w.Member, "still waiting for the refund")
	w.WaitFor(t, "the answer captured", func() bool { return len(captured(t, w, tk.ID())) >= 3 })
	travel(t, w, 24*time.Hour) // past the first deadline
	if s := status(t, w, tk.ID()); s != ticket.StatusOpen {
		t.Fatalf("closed although the opener wrote: %s", s)
	}
	// 48 h after the answer: warned again; 72 h after it: closed, saying why.
	travel(t, w, 24*time.Hour+time.Minute) // due times are kept to the minute
	if n := len(messagesWith(w, ch.ID, "closes <t:")); n != 2 {
		t.Fatalf("%d warnings after the second quiet period, want 2", n)
	}
	travel(t, w, 24*time.Hour+time.Minute)
	if s := status(t, w, tk.ID()); s != ticket.StatusClosed {
		t.Fatalf("not closed at the deadline: %s", s)
	}
	w.WaitFor(t, "the close said in the channel", func() bool {
		return len(messagesWith(w, ch.ID, "Closed automatically: inactive 72 h")) == 1
	})
	v, err := w.Srv.TicketViews.Get(context.Background(), string(tk.ID()))
	if err != nil || v.ClosedBy != "" || v.CloseReason != "closed automatically: inactive 72 h" {
		t.Fatalf("the ticket's view: closed by %q, reason %q (%v)", v.ClosedBy, v.CloseReason, err)
	}
	// The timeline says so, with its reason.
	page, err := w.Srv.Audit.Timeline(context.Background(), audit.Query{Guild: w.Guild.ID.String(), Ticket: string(tk.ID())})
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, e := range page.Entries {
		said = append(said, e.Text+" (because: "+e.Because+")")
	}
	all := strings.Join(said, "\n")
	for _, want := range []string{"warned that the ticket closes", "closed automatically: inactive 72 h"} {
		if !strings.Contains(all, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, all)
		}
	}
}

func TestKeepOpenStartsThePeriodAgainAndNothingFiresWhileDisabled(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("auto-close", fakediscord.Int("hours", 24))))
	ch := openTicket(t, w, "keep me")
	tk := ticketInChannel(t, w, ch)
	travel(t, w, 12*time.Hour+time.Minute) // half of a 24 h period: the warning
	if len(messagesWith(w, ch.ID, "closes <t:")) != 1 {
		t.Fatal("no warning at half the period")
	}
	content, _ := run(t, w, f.Button(w.As(w.Member, ch.ID), "/ticket/keep-open/"+string(tk.ID()), nil))
	mustContain(t, "keep open", content, "kept this ticket open")
	// Pressed again with no warning standing: refused, nothing appended.
	content, _ = run(t, w, f.Button(w.As(w.Member, ch.ID), "/ticket/keep-open/"+string(tk.ID()), nil))
	mustContain(t, "keep open twice", content, "not about to close")
	travel(t, w, 12*time.Hour) // the first deadline passes
	if s := status(t, w, tk.ID()); s != ticket.StatusOpen {
		t.Fatalf("closed although kept open: %s", s)
	}
	// Disabled: nothing fires, however long it waits.
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("auto-close", fakediscord.Int("hours", 0))))
	mustContain(t, "disable", content, "off")
	before := len(messagesWith(w, ch.ID, "closes <t:"))
	travel(t, w, 30*24*time.Hour)
	if s := status(t, w, tk.ID()); s != ticket.StatusOpen || len(messagesWith(w, ch.ID, "closes <t:")) != before {
		t.Fatalf("disabled, yet: status %s, warnings %d → %d", s, before, len(messagesWith(w, ch.ID, "closes <t:")))
	}
	// Enabled again over the month-old ticket: warned now, closed only after the warning's time.
	run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("auto-close", fakediscord.Int("hours", 24))))
	travel(t, w, time.Minute)
	if n := len(messagesWith(w, ch.ID, "closes <t:")); n != before+1 {
		t.Fatalf("re-enabled: %d warnings, want %d", n, before+1)
	}
	travel(t, w, 11*time.Hour)
	if s := status(t, w, tk.ID()); s != ticket.StatusOpen {
		t.Fatalf("closed before the warning had stood 12 h: %s", s)
	}
	travel(t, w, time.Hour+time.Minute)
	if s := status(t, w, tk.ID()); s != ticket.StatusClosed {
		t.Fatalf("not closed after the warning's 12 h: %s", s)
	}
}

func TestOutOfRangeAutoCloseIsRefusedPrivately(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	before := head(t, w)
	content, eph := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("auto-close", fakediscord.Int("hours", 4), fakediscord.Int("warn-hours", 4))))
	mustContain(t, "warning as long as the period", content, "before the close")
	if !eph {
		t.Fatal("the refusal was public")
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "setup", fakediscord.Sub("auto-close", fakediscord.Int("hours", 4))))
	mustContain(t, "a member", content, "only staff")
	w.Settle(t)
	commits, _ := w.Srv.Log.ReadLog(context.Background(), "", before+1, 100)
	for _, c := range commits {
		if strings.HasPrefix(c.Stream, "guild/") {
			t.Fatalf("a refused setting appended to %s", c.Stream)
		}
	}
}

func TestALeavingOpenerClosesTheirTicketsWhenTheServerAsks(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	ch := openTicket(t, w, "bye")
	tk := ticketInChannel(t, w, ch)
	// Off by default: the staff member's own ticket stays open when they leave.
	content, _ := run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "mine"))))
	mustContain(t, "staff opens", content, "opened")
	w.Settle(t)
	staffTicket := openTicketOf(t, w, w.Staff)
	f.RemoveMember(w.Guild.ID, w.Staff.ID)
	w.Settle(t)
	if s := status(t, w, staffTicket); s != ticket.StatusOpen {
		t.Fatalf("closed with the setting off: %s", s)
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("close-on-leave", fakediscord.BoolOpt("enabled", true))))
	mustContain(t, "close-on-leave", content, "now closes")
	f.RemoveMember(w.Guild.ID, w.Member.ID)
	w.WaitFor(t, "the ticket closed", func() bool { return status(t, w, tk.ID()) == ticket.StatusClosed })
	w.WaitFor(t, "the close said in the channel", func() bool {
		return len(messagesWith(w, ch.ID, "Closed automatically: the opener left the server")) == 1
	})
	if s := status(t, w, staffTicket); s != ticket.StatusOpen {
		t.Fatalf("a departure recorded while the setting was off closed a ticket later: %s", s)
	}
}

// openTicketOf returns the open ticket a user opened.
func openTicketOf(t *testing.T, w *testenv.World, u fakediscord.User) domain.TicketID {
	t.Helper()
	h, err := w.Srv.Store.Load(context.Background(), member.Stream(domain.GuildID(w.Guild.ID), domain.UserID(u.ID)))
	if err != nil {
		t.Fatal(err)
	}
	rs := member.FromHistory(domain.GuildID(w.Guild.ID), domain.UserID(u.ID), h.Events).Reservations()
	if len(rs) != 1 {
		t.Fatalf("%s holds %d tickets", u.Username, len(rs))
	}
	return rs[0].Ticket
}

func TestACloseRequestIsAcceptedDeniedOrExpires(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	ch := openTicket(t, w, "is it done?")
	tk := ticketInChannel(t, w, ch)
	id := string(tk.ID())
	content, eph := run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "ticket", fakediscord.Sub("close-request")))
	mustContain(t, "a member asking", content, "only staff")
	if !eph {
		t.Fatal("the refusal was public")
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("close-request", fakediscord.Str("after", "soon"))))
	mustContain(t, "a bad deadline", content, "like 90m")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("close-request", fakediscord.Str("reason", "the refund went out"))))
	mustContain(t, "request", content, "Close request sent")
	w.WaitFor(t, "the request in the channel", func() bool { return len(messagesWith(w, ch.ID, "asks whether this ticket can be closed")) == 1 })
	// Someone else in the channel may not answer for the opener.
	eve := f.NewUser("Eve")
	content, _ = run(t, w, f.Button(w.As(eve, ch.ID), "/ticket/close-request/accept/"+id+"/1", nil))
	mustContain(t, "a stranger accepting", content, "only the ticket's opener")
	content, _ = run(t, w, f.Button(w.As(w.Member, ch.ID), "/ticket/close-request/deny/"+id+"/1", nil))
	mustContain(t, "deny", content, "keep this ticket open")
	w.WaitFor(t, "staff told", func() bool {
		return len(messagesWith(w, ch.ID, "<@"+w.Staff.ID.String()+">: <@"+w.Member.ID.String()+"> denied the close request")) == 1
	})
	if s := status(t, w, tk.ID()); s != ticket.StatusOpen {
		t.Fatalf("denied, yet %s", s)
	}
	// A second request, with a deadline nobody meets: it closes, saying why.
	run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("close-request", fakediscord.Str("after", "2h"))))
	w.WaitFor(t, "the second request", func() bool { return len(messagesWith(w, ch.ID, "Without an answer it closes")) == 1 })
	content, _ = run(t, w, f.Button(w.As(w.Member, ch.ID), "/ticket/close-request/accept/"+id+"/1", nil))
	mustContain(t, "the first request's button", content, "replaced by a newer one")
	travel(t, w, time.Hour)
	if s := status(t, w, tk.ID()); s != ticket.StatusOpen {
		t.Fatalf("closed before the deadline: %s", s)
	}
	travel(t, w, time.Hour+time.Minute)
	if s := status(t, w, tk.ID()); s != ticket.StatusClosed {
		t.Fatalf("not closed at the deadline: %s", s)
	}
	w.WaitFor(t, "the close said", func() bool {
		return len(messagesWith(w, ch.ID, "Closed automatically: no answer to the close request by its deadline")) == 1
	})

	// Accepted: the ticket closes in the opener's name.
	ch2 := openTicket(t, w, "another one")
	tk2 := ticketInChannel(t, w, ch2)
	run(t, w, f.SlashCommand(w.As(w.Staff, ch2.ID), "ticket", fakediscord.Sub("close-request")))
	w.WaitFor(t, "the request", func() bool { return len(messagesWith(w, ch2.ID, "asks whether")) == 1 })
	content, _ = run(t, w, f.Button(w.As(w.Member, ch2.ID), "/ticket/close-request/accept/"+string(tk2.ID())+"/1", nil))
	mustContain(t, "accept", content, "accepted the close request")
	w.WaitFor(t, "closed by the opener", func() bool {
		return status(t, w, tk2.ID()) == ticket.StatusClosed && len(messagesWith(w, ch2.ID, "Closed by <@"+w.Member.ID.String()+">")) == 1
	})
}

func TestTheOpenerRatesTheClosedTicketAndTheAnalyticsCountIt(t *testing.T) {
	// The channel outlives the rating window, so the late rating below is
	// refused for its lateness, not for a channel that is gone.
	w := testenv.NewWorld(t, testenv.WithClosedChannelsKept(48*time.Hour))
	f := w.Fake
	ctx := context.Background()
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("feedback", fakediscord.BoolOpt("enabled", true))))
	mustContain(t, "feedback on", content, "asked in the ticket's channel to rate it")
	ch := openTicket(t, w, "rate me")
	tk := ticketInChannel(t, w, ch)
	id := string(tk.ID())
	run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("claim")))
	run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("close", fakediscord.Str("reason", "fixed"))))
	w.WaitFor(t, "the rating asked for", func() bool { return len(messagesWith(w, ch.ID, "how did we do?")) == 1 })
	// Staff cannot rate; the opener's star opens the form, whose answer is recorded.
	content, _ = run(t, w, f.Button(w.As(w.Staff, ch.ID), "/ticket/rate/"+id+"/5", nil))
	mustContain(t, "staff rating", content, "only the person who opened")
	res := w.Deliver(t, f.Button(w.As(w.Member, ch.ID), "/ticket/rate/"+id+"/4", nil))
	if res.Response.Type != fakediscord.ResponseModal {
		t.Fatalf("the star answered %d, want the form", res.Response.Type)
	}
	content, _ = run(t, w, f.ModalSubmit(w.As(w.Member, ch.ID), "/form/rate/"+id+"/4", [][2]string{{"comment", "quick and kind"}}))
	mustContain(t, "rated", content, "★★★★☆")
	w.Settle(t)
	v, err := w.Srv.TicketViews.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Rating != 4 || v.RatingComment != "quick and kind" {
		t.Fatalf("the ticket shows rating %d %q", v.Rating, v.RatingComment)
	}
	today := w.Clock.Now().UTC().Format(time.DateOnly)
	days, err := w.Srv.Analytics.Range(ctx, w.Guild.ID.String(), today, today)
	if err != nil || len(days) != 1 {
		t.Fatalf("analytics: %v %v", days, err)
	}
	if r := days[0].Ratings; r.Count != 1 || r.Average != 4 || r.Distribution[3] != 1 {
		t.Fatalf("the day's ratings: %+v", r)
	}
	if r := days[0].Staff[w.Staff.ID.String()].Ratings; r.Count != 1 || r.Average != 4 {
		t.Fatalf("the staff member's ratings: %+v", r)
	}
	// Changed within 24 hours; not after.
	w.Clock.Advance(23 * time.Hour)
	run(t, w, f.ModalSubmit(w.As(w.Member, ch.ID), "/form/rate/"+id+"/5", [][2]string{{"comment", ""}}))
	w.Clock.Advance(2 * time.Hour)
	content, _ = run(t, w, f.ModalSubmit(w.As(w.Member, ch.ID), "/form/rate/"+id+"/1", nil))
	mustContain(t, "a late rating", content, "24 hours after the close")
	w.Settle(t)
	if v, _ := w.Srv.TicketViews.Get(ctx, id); v.Rating != 5 {
		t.Fatalf("rating %d after the change, want 5", v.Rating)
	}
}

func TestTheOpenerCanBeAskedForARatingByDirectMessage(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup",
		fakediscord.Sub("feedback", fakediscord.BoolOpt("enabled", true), fakediscord.Str("where", "dm"))))
	mustContain(t, "feedback by DM", content, "by direct message")
	ch := openTicket(t, w, "ask me privately")
	tk := ticketInChannel(t, w, ch)
	id := string(tk.ID())
	run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("close")))
	var dm fakediscord.Snowflake
	w.WaitFor(t, "the question in the opener's DMs", func() bool {
		dm = f.DMChannel(w.Member.ID)
		return dm != 0 && len(messagesWith(w, dm, "How did we do?")) == 1
	})
	asked := messagesWith(w, dm, "How did we do?")[0]
	mustContain(t, "the DM", asked.Content, fmt.Sprintf("ticket #%d in Ticketify Test Server", tk.Number()))
	w.Settle(t)
	if n := len(messagesWith(w, ch.ID, "how did we do?")); n != 0 {
		t.Fatalf("asked in the channel too (%d)", n)
	}

	// The opener answers in the DM: no server, no ticket channel.
	inDM := fakediscord.Actor{Channel: dm, User: w.Member}
	if res := w.Deliver(t, f.Button(inDM, "/ticket/rate/"+id+"/2", &asked)); res.Response.Type != fakediscord.ResponseModal {
		t.Fatalf("the star in the DM answered %d, want the form", res.Response.Type)
	}
	content, _ = run(t, w, f.ModalSubmit(inDM, "/form/rate/"+id+"/2", [][2]string{{"comment", "slow but fine"}}))
	mustContain(t, "rated by DM", content, "★★☆☆☆")
	w.Settle(t)
	if v, _ := w.Srv.TicketViews.Get(ctx, id); v.Rating != 2 || v.RatingComment != "slow but fine" {
		t.Fatalf("the ticket shows rating %d %q", v.Rating, v.RatingComment)
	}

	// Someone else's DM naming the ticket finds nothing and appends nothing;
	// nothing but a rating is done from a DM.
	before := head(t, w)
	content, _ = run(t, w, f.ModalSubmit(fakediscord.Actor{Channel: dm, User: w.Staff}, "/form/rate/"+id+"/5", nil))
	mustContain(t, "a stranger's rating", content, "no such ticket")
	content, _ = run(t, w, f.Button(inDM, "/ticket/reopen/"+id, nil))
	mustContain(t, "reopen from a DM", content, "works inside servers")
	w.Settle(t)
	if after := head(t, w); after != before {
		t.Fatalf("refusals appended: head %d → %d", before, after)
	}

	// An opener who does not accept DMs is asked in the channel; the refusal
	// is recorded once, on the ticket's timeline.
	f.SetDMsOpen(w.Member.ID, false)
	ch2 := openTicket(t, w, "no DMs please")
	tk2 := ticketInChannel(t, w, ch2)
	run(t, w, f.SlashCommand(w.As(w.Staff, ch2.ID), "ticket", fakediscord.Sub("close")))
	w.WaitFor(t, "the question in the channel", func() bool { return len(messagesWith(w, ch2.ID, "how did we do?")) == 1 })
	w.Settle(t)
	if n := len(messagesWith(w, dm, "How did we do?")); n != 1 {
		t.Fatalf("%d questions in the closed DMs, want the first ticket's only", n)
	}
	page, err := w.Srv.Audit.Timeline(ctx, audit.Query{Guild: w.Guild.ID.String(), Ticket: string(tk2.ID())})
	if err != nil {
		t.Fatal(err)
	}
	var refusals int
	for _, e := range page.Entries {
		if strings.Contains(e.Text, "ask for a rating by direct message") && strings.Contains(e.Text, "Cannot send messages to this user") {
			refusals++
		}
	}
	if refusals != 1 {
		t.Fatalf("the timeline records the refused DM %d times", refusals)
	}
	content, _ = run(t, w, f.ModalSubmit(w.As(w.Member, ch2.ID), "/form/rate/"+string(tk2.ID())+"/5", nil))
	mustContain(t, "rated in the channel", content, "★★★★★")
}

func TestStaffArePingedOnceWhenATicketWaitsForAnAnswer(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("reminder", fakediscord.Int("minutes", 3))))
	mustContain(t, "too short a reminder", content, "5 minutes to 7 days")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("reminder", fakediscord.Int("minutes", 30))))
	mustContain(t, "reminder", content, "30 min")
	ch := openTicket(t, w, "hello?")
	travel(t, w, 29*time.Minute)
	if n := len(messagesWith(w, ch.ID, "waiting for a staff answer")); n != 0 {
		t.Fatalf("pinged %d times before 30 minutes", n)
	}
	travel(t, w, 2*time.Minute)
	pings := messagesWith(w, ch.ID, "waiting for a staff answer")
	if len(pings) != 1 || !strings.Contains(pings[0].Content, "<@&"+w.StaffRole.ID.String()+">") {
		t.Fatalf("want one ping of the staff role, got %+v", pings)
	}
	travel(t, w, 3*time.Hour)
	if n := len(messagesWith(w, ch.ID, "waiting for a staff answer")); n != 1 {
		t.Fatalf("pinged %d times for one wait", n)
	}
	// Staff answer, the opener writes again: a new wait, a new reminder.
	f.PostMessage(ch.ID, w.Staff, "Looking into it")
	w.Clock.Advance(time.Minute)
	f.PostMessage(ch.ID, w.Member, "any news?")
	travel(t, w, 31*time.Minute)
	if n := len(messagesWith(w, ch.ID, "waiting for a staff answer")); n != 2 {
		t.Fatalf("%d pings after the second wait, want 2", n)
	}
}

func TestOutsideSupportHoursAnOpenGetsANoticeOrIsRefused(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("support-hours",
		fakediscord.Str("days", "mon-fri"), fakediscord.Str("zone", "Atlantis/Capital"), fakediscord.Str("from", "09:00"), fakediscord.Str("to", "17:00"))))
	mustContain(t, "an unknown zone", content, "not a time zone")
	// Hours that are never now: one hour a day, on the day of the week it is not.
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := w.Clock.Now().In(loc)
	days := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[(now.Weekday()+3)%7]
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("support-hours",
		fakediscord.Str("days", days), fakediscord.Str("zone", "Asia/Tokyo"), fakediscord.Str("from", "10:00"), fakediscord.Str("to", "11:00"))))
	mustContain(t, "hours set", content, "Support hours:")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "late"))))
	mustContain(t, "an open outside hours", content, "Our team is away right now; they are back <t:")
	// Refuse: the next open is refused and nothing is opened.
	run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("support-hours",
		fakediscord.Str("days", days), fakediscord.Str("zone", "Asia/Tokyo"), fakediscord.Str("from", "10:00"), fakediscord.Str("to", "11:00"),
		fakediscord.Str("outside", "refuse"))))
	w.Settle(t)
	before := len(f.Channels(w.Guild.ID))
	content, eph := run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "refused"))))
	mustContain(t, "a refused open", content, "support is closed right now")
	if !eph {
		t.Fatal("the refusal was public")
	}
	w.Settle(t)
	if n := len(f.Channels(w.Guild.ID)); n != before {
		t.Fatalf("a refused open created a channel (%d → %d)", before, n)
	}
}
