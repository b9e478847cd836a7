package discord_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// threadMode turns thread mode on for the server, under a new support
// channel, through /setup.
func threadMode(t *testing.T, w *testenv.World) fakediscord.Channel {
	t.Helper()
	support := w.Fake.AddTextChannel(w.Guild.ID, "support")
	content, _ := run(t, w, w.Fake.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("threads", fakediscord.ChannelOpt("channel", support.ID))))
	mustContain(t, "thread mode", content, "private threads under <#"+support.ID.String()+">")
	return support
}

// openThread opens a ticket as the member and returns its thread once the
// welcome is posted in it.
func openThread(t *testing.T, w *testenv.World, support fakediscord.Channel, topic string) fakediscord.Channel {
	t.Helper()
	before := len(w.Fake.Threads(support.ID))
	content, _ := run(t, w, w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", topic))))
	mustContain(t, "open", content, "opened")
	var th fakediscord.Channel
	w.WaitFor(t, "the ticket's thread and its welcome", func() bool {
		threads := w.Fake.Threads(support.ID)
		if len(threads) <= before {
			return false
		}
		th = threads[len(threads)-1]
		return len(w.Fake.Messages(th.ID)) >= 1
	})
	return th
}

func inThread(w *testenv.World, th fakediscord.Channel, u fakediscord.User) bool {
	return slices.Contains(w.Fake.ThreadMembers(th.ID), u.ID)
}

func TestInThreadModeATicketIsAPrivateThreadThatWorksLikeAChannel(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	support := threadMode(t, w)
	channelsBefore := len(f.Calls("POST", "/guilds/"))

	th := openThread(t, w, support, "my order never came")
	if th.Type != fakediscord.ChannelPrivateThread || th.ThreadMetadata.Invitable == nil || *th.ThreadMetadata.Invitable {
		t.Fatalf("the ticket's thread: type %d, invitable %v; want a private thread members cannot invite to", th.Type, th.ThreadMetadata.Invitable)
	}
	if n := len(f.Calls("POST", "/guilds/")); n != channelsBefore {
		t.Fatalf("%d channel creations in thread mode", n-channelsBefore)
	}
	if !inThread(w, th, w.Member) {
		t.Fatalf("the opener is not in their ticket's thread: %v", f.ThreadMembers(th.ID))
	}
	tk := ticketInChannel(t, w, th)
	if !tk.InThread() || tk.ThreadOf() != domain.ChannelID(support.ID) {
		t.Fatalf("the ticket does not know it is a thread of the support channel: thread of %v", tk.ThreadOf())
	}

	ctx := context.Background()
	w.WaitFor(t, "the dashboard's view to say where the ticket is", func() bool {
		v, err := w.Srv.TicketViews.Get(ctx, string(tk.ID()))
		return err == nil && v.ThreadOf == support.ID.String() && v.Channel == th.ID.String()
	})

	// What is written in the thread is in the transcript.
	f.PostMessage(th.ID, w.Member, "it was order 5521")
	w.WaitFor(t, "the thread's message in the transcript", func() bool {
		tr, err := w.Srv.Transcripts.Get(ctx, string(tk.ID()))
		return err == nil && slices.ContainsFunc(tr.Entries, func(e transcripts.Entry) bool { return strings.Contains(e.Content, "order 5521") })
	})

	// Adding and removing people is joining and leaving the thread.
	friend := f.NewUser("Fred Friend")
	f.AddMember(w.Guild.ID, friend)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("add", fakediscord.UserOpt("user", friend.ID))))
	mustContain(t, "add", content, "added")
	w.WaitFor(t, "the friend in the thread", func() bool { return inThread(w, th, friend) })
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("remove", fakediscord.UserOpt("user", friend.ID))))
	mustContain(t, "remove", content, "removed")
	w.WaitFor(t, "the friend out of the thread", func() bool { return !inThread(w, th, friend) })

	// A week without messages and Discord archives the thread: the next
	// change (here from the dashboard, not through the thread, which a
	// client would unarchive first) unarchives it rather than failing.
	f.ArchiveForInactivity(th.ID)
	staff := ticket.Participant{User: domain.UserID(w.Staff.ID), Staff: true, Guild: domain.GuildID(w.Guild.ID)}
	if err := w.Srv.App.AddMember(ctx, tk.ID(), staff, domain.UserID(friend.ID), app.Meta{Actor: domain.Actor{User: staff.User, Source: domain.SourceDashboard}}); err != nil {
		t.Fatal(err)
	}
	w.WaitFor(t, "the friend back in the unarchived thread", func() bool { return inThread(w, th, friend) })
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("rename", fakediscord.Str("name", "Order 5521"))))
	mustContain(t, "rename", content, "order-5521")
	w.WaitFor(t, "the thread renamed", func() bool { c, _ := f.Channel(th.ID); return c.Name == "order-5521" })

	// Closing locks the thread (read-only for its members, as a closed
	// channel is) and says so; it stays active, so its Reopen button works;
	// reopening unlocks it. A thread has no permission overwrites: none
	// were tried.
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("close", fakediscord.Str("reason", "delivered"))))
	mustContain(t, "close", content, "delivered")
	w.WaitFor(t, "the thread locked, with the close said", func() bool {
		c, _ := f.Channel(th.ID)
		return c.ThreadMetadata.Locked && !c.ThreadMetadata.Archived && len(messagesWith(w, th.ID, "Closed by")) == 1
	})
	msgs := f.Messages(th.ID)
	closedMsg := msgs[len(msgs)-1]
	reopen := buttons(closedMsg)
	if len(reopen) != 1 || !strings.HasPrefix(reopen[0], "/ticket/reopen/") {
		t.Fatalf("the last message before the lock has buttons %v, want Reopen", reopen)
	}
	if calls := f.Calls("PUT", "/channels/"+th.ID.String()+"/permissions"); len(calls) != 0 {
		t.Fatalf("%d permission overwrites tried on a thread", len(calls))
	}
	if failed := slices.Contains(lifecycle(t, w, tk.ID()), "ticket.discord_action_failed.v1"); failed {
		t.Fatalf("a Discord action failed: %v", lifecycle(t, w, tk.ID()))
	}
	content, _ = run(t, w, f.Button(w.As(w.Member, th.ID), reopen[0], &closedMsg))
	mustContain(t, "reopen", content, "reopened")
	w.WaitFor(t, "the thread unarchived and unlocked", func() bool {
		c, _ := f.Channel(th.ID)
		return !c.ThreadMetadata.Archived && !c.ThreadMetadata.Locked
	})

	// Discord's own lines in the thread (someone added, a rename) are not
	// anyone's message: the transcript holds what people and the bot wrote.
	w.Settle(t)
	system, written := map[string]bool{}, 0
	for _, m := range f.Messages(th.ID) {
		if m.Type != 0 {
			system[m.ID.String()] = true
		} else {
			written++
		}
	}
	tr, err := w.Srv.Transcripts.Get(ctx, string(tk.ID()))
	if err != nil {
		t.Fatal(err)
	}
	messages := 0
	for _, e := range tr.Entries {
		if system[e.MessageID] {
			t.Fatalf("Discord's system line in the transcript: %+v", e)
		}
		if e.MessageID != "" {
			messages++
		}
	}
	if len(system) < 3 || messages != written {
		t.Fatalf("%d system lines in the thread; %d messages in the transcript for %d written", len(system), messages, written)
	}

	// A thread deleted by hand is a lost channel, as a deleted channel is.
	f.DeleteChannelByHand(th.ID)
	w.WaitFor(t, "the ticket closed with its thread lost", func() bool {
		tk, err := w.Srv.App.Ticket(ctx, tk.ID())
		return err == nil && tk.ChannelLost() && tk.Status() == ticket.StatusClosed
	})
}

func TestAThreadLeftByACrashIsFoundAgainNotMadeTwice(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	support := threadMode(t, w)
	// What a crash between starting the thread and recording it leaves: the
	// bot's thread with the ticket's name, no ticket's yet.
	left := f.AddThread(support.ID, ticket.DefaultName(1), f.BotUser.ID)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open")))
	mustContain(t, "open", content, "opened")
	w.WaitFor(t, "the welcome in the thread left behind", func() bool { return len(f.Messages(left.ID)) > 0 })
	w.Settle(t)
	if n := len(f.Threads(support.ID)); n != 1 || !inThread(w, left, w.Member) {
		t.Fatalf("%d threads, opener in the one left behind: %v", n, inThread(w, left, w.Member))
	}
	// And a thread of someone else's with the next ticket's name is not taken.
	other := f.AddThread(support.ID, ticket.DefaultName(2), w.Staff.ID)
	second := f.NewUser("Second Member")
	openThreadAs(t, w, support, second)
	if len(f.Messages(other.ID)) != 0 || inThread(w, other, second) {
		t.Fatal("a thread someone else started was taken for a ticket")
	}
}

func TestEverythingDeliveredAgainDoesNothingTwiceInAThread(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	support := threadMode(t, w)
	run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("claim-mode", fakediscord.Str("mode", "hide"))))
	th := openThread(t, w, support, "twice?")
	tk := ticketInChannel(t, w, th)
	friend := f.NewUser("Fred Friend")
	f.AddMember(w.Guild.ID, friend)
	// A history with something of everything a thread takes: members in and
	// out, a restricting claim, a denied close request, closes and a reopen
	// — ending closed, so that the redelivery meets a locked thread.
	for _, in := range []fakediscord.Interaction{
		f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("add", fakediscord.UserOpt("user", friend.ID))),
		f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("claim")),
		f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("close-request")),
	} {
		run(t, w, in)
	}
	w.WaitFor(t, "the close request", func() bool { return len(messagesWith(w, th.ID, "asks whether this ticket can be closed")) == 1 })
	req := messagesWith(w, th.ID, "asks whether this ticket can be closed")[0]
	run(t, w, f.Button(w.As(w.Member, th.ID), buttons(req)[1], &req))
	for _, in := range []fakediscord.Interaction{
		f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("close")),
		f.SlashCommand(w.As(w.Member, th.ID), "ticket", fakediscord.Sub("reopen")),
		f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("remove", fakediscord.UserOpt("user", friend.ID))),
		f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("close")),
	} {
		run(t, w, in)
	}
	w.WaitFor(t, "the thread locked again without the friend", func() bool {
		c, _ := f.Channel(th.ID)
		// A close the reactor reaches after the reopen that followed it says
		// nothing (the ticket is open then), as for a channel: one or two.
		return c.ThreadMetadata.Locked && !inThread(w, th, friend) && len(messagesWith(w, th.ID, "Closed by")) >= 1
	})
	w.Settle(t)
	w.Settle(t)
	messages, members := len(f.Messages(th.ID)), f.ThreadMembers(th.ID)
	history := lifecycle(t, w, tk.ID())
	rewindReactor(t, w)
	if n := len(f.Messages(th.ID)); n != messages || len(f.Threads(support.ID)) != 1 {
		t.Fatalf("after redelivery: %d messages (was %d), %d threads", n, messages, len(f.Threads(support.ID)))
	}
	if got := f.ThreadMembers(th.ID); !slices.Equal(got, members) {
		t.Fatalf("after redelivery the thread's members are %v, were %v", got, members)
	}
	if c, _ := f.Channel(th.ID); !c.ThreadMetadata.Locked {
		t.Fatal("after redelivery the closed ticket's thread is unlocked")
	}
	if got := lifecycle(t, w, tk.ID()); len(got) != len(history) {
		t.Fatalf("the redelivery recorded %v", got[len(history):])
	}
}

func TestTheOpenerRatesAndReopensFromTheClosedTicketsThread(t *testing.T) {
	w := testenv.NewWorld(t, testenv.WithClosedChannelsKept(48*time.Hour))
	f := w.Fake
	staffSetup(t, w)
	support := threadMode(t, w)
	run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("feedback", fakediscord.BoolOpt("enabled", true))))
	th := openThread(t, w, support, "rate me")
	tk := ticketInChannel(t, w, th)
	run(t, w, f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("close")))
	w.WaitFor(t, "the rating asked for in the locked thread", func() bool {
		c, _ := f.Channel(th.ID)
		return c.ThreadMetadata.Locked && len(messagesWith(w, th.ID, "how did we do?")) == 1
	})
	id := string(tk.ID())
	res := w.Deliver(t, f.Button(w.As(w.Member, th.ID), "/ticket/rate/"+id+"/4", nil))
	if res.Response.Type != fakediscord.ResponseModal {
		t.Fatalf("the star answered %d, want the form", res.Response.Type)
	}
	content, _ := run(t, w, f.ModalSubmit(w.As(w.Member, th.ID), "/form/rate/"+id+"/4", [][2]string{{"comment", "quick"}}))
	mustContain(t, "rated", content, "★★★★☆")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, th.ID), "ticket", fakediscord.Sub("reopen")))
	mustContain(t, "reopen", content, "reopened")
	w.WaitFor(t, "the thread unlocked", func() bool { c, _ := f.Channel(th.ID); return !c.ThreadMetadata.Locked })
	// A week later Discord has archived a closed ticket's locked thread: its
	// members can no longer act from it (staff reopen it from the dashboard).
	run(t, w, f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("close")))
	w.WaitFor(t, "the thread locked", func() bool { c, _ := f.Channel(th.ID); return c.ThreadMetadata.Locked })
	w.Settle(t) // the close's posts (its line, the rating question) come after the lock: a post would unarchive it
	f.ArchiveForInactivity(th.ID)
	if _, err := f.Deliver(context.Background(), w.Endpoint, f.SlashCommand(w.As(w.Member, th.ID), "ticket", fakediscord.Sub("reopen"))); !errors.Is(err, fakediscord.ErrArchivedThread) {
		t.Fatalf("a member acted from an archived, locked thread: %v", err)
	}
}

func TestAThreadTicketWhoseOpenerLeftStillTakesItsClaimer(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	support := threadMode(t, w)
	run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("claim-mode", fakediscord.Str("mode", "hide"))))
	th := openThread(t, w, support, "bye")
	tk := ticketInChannel(t, w, th)
	f.RemoveMember(w.Guild.ID, w.Member.ID) // close-on-leave is off: the ticket stays open
	w.Settle(t)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Staff, th.ID), "ticket", fakediscord.Sub("claim")))
	mustContain(t, "claim", content, "claimed")
	w.WaitFor(t, "the claimer in the thread", func() bool { return inThread(w, th, w.Staff) })
	w.Settle(t)
	if slices.Contains(lifecycle(t, w, tk.ID()), "ticket.discord_action_failed.v1") {
		t.Fatalf("the opener's absence failed the claim: %v", lifecycle(t, w, tk.ID()))
	}
}

func TestDeletingTheSupportChannelLosesItsTicketsThreads(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	support := threadMode(t, w)
	th := openThread(t, w, support, "where did it go")
	tk := ticketInChannel(t, w, th)
	f.DeleteChannelByHand(support.ID)
	w.WaitFor(t, "the ticket closed with its thread lost", func() bool {
		tk, err := w.Srv.App.Ticket(context.Background(), tk.ID())
		return err == nil && tk.ChannelLost() && tk.Status() == ticket.StatusClosed
	})
	// The member is not held by a ticket whose thread is gone.
	w.Settle(t)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open")))
	mustContain(t, "open again", content, "opened")
}

func TestThreadModeForOneCategoryAndOnlyWithAChannelOfThisServer(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	for _, key := range []string{"quick", "other"} {
		run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", key), fakediscord.Str("name", key))))
	}
	support := f.AddTextChannel(w.Guild.ID, "quick-support")
	elsewhere := f.AddGuild("Another server", w.Owner)
	foreign := f.AddTextChannel(elsewhere.ID, "their-support")
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("threads", fakediscord.ChannelOpt("channel", foreign.ID))))
	mustContain(t, "another server's channel", content, "name the text channel")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "setup", fakediscord.Sub("threads", fakediscord.ChannelOpt("channel", support.ID))))
	mustContain(t, "staff without Manage Server", content, "Manage Server")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("threads",
		fakediscord.ChannelOpt("channel", support.ID), fakediscord.Str("category", "quick"))))
	mustContain(t, "one category", content, `In category "quick"`)
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "setup", fakediscord.Sub("show")))
	mustContain(t, "the settings shown", content, "**Category quick** (`quick`): 0 question(s); its tickets are private threads under <#"+support.ID.String()+">")
	mustContain(t, "the server's mode shown", content, "**New tickets are:** channels of their own")

	before := len(f.Channels(w.Guild.ID))
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("category", "other"))))
	mustContain(t, "open in another category", content, "opened")
	var ch fakediscord.Channel
	w.WaitFor(t, "the other category's ticket as a channel of its own", func() bool {
		chans := f.Channels(w.Guild.ID)
		ch = chans[len(chans)-1]
		return len(chans) > before && ch.Type == fakediscord.ChannelText
	})
	ticketInChannel(t, w, ch) // the views know the channel: a command in it finds its ticket
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "ticket", fakediscord.Sub("close")))
	mustContain(t, "close the channel ticket", content, "losed")
	if n := len(f.Threads(support.ID)); n != 0 {
		t.Fatalf("%d threads for a category in channel mode", n)
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("category", "quick"))))
	mustContain(t, "open in the category", content, "opened")
	w.WaitFor(t, "the category's ticket as a thread", func() bool { return len(f.Threads(support.ID)) == 1 })
}

// openThreadAs opens a ticket as a new member of the server.
func openThreadAs(t *testing.T, w *testenv.World, support fakediscord.Channel, u fakediscord.User) fakediscord.Channel {
	t.Helper()
	w.Fake.AddMember(w.Guild.ID, u)
	before := w.Fake.Threads(support.ID)
	content, _ := run(t, w, w.Fake.SlashCommand(w.As(u, w.Lobby.ID), "ticket", fakediscord.Sub("open")))
	mustContain(t, "open", content, "opened")
	var th fakediscord.Channel
	w.WaitFor(t, "the new ticket's thread", func() bool {
		for _, c := range w.Fake.Threads(support.ID) {
			if !slices.ContainsFunc(before, func(b fakediscord.Channel) bool { return b.ID == c.ID }) && len(w.Fake.Messages(c.ID)) > 0 {
				th = c
				return true
			}
		}
		return false
	})
	return th
}

// rewindReactor delivers every event to the Discord reactor again, as a
// restart from a lost checkpoint would, and waits until it went through.
func rewindReactor(t *testing.T, w *testenv.World) {
	t.Helper()
	ctx := context.Background()
	if err := w.Srv.Projections.Close(); err != nil { // first: closing saves where it was
		t.Fatal(err)
	}
	if err := w.Srv.Checkpoints.Save(ctx, eventstore.DefaultTopic, "discord-reactor", checkpointAtStart()); err != nil {
		t.Fatal(err)
	}
	rt, err := w.Srv.NewRuntime(ctx, w.Srv.Config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rt.AddReactor(w.Srv.Reactor)
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	head, err := w.Srv.Log.Head(ctx, eventstore.DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	w.WaitFor(t, "the rewound reactor to go through the whole log again", func() bool {
		cp, _ := w.Srv.Checkpoints.Load(ctx, eventstore.DefaultTopic, "discord-reactor")
		return cp.Position > head
	})
}

func TestAClosedTicketsThreadIsDeletedAfterTheDelayAsAChannelIs(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	support := threadMode(t, w)
	th := openThread(t, w, support, "bye")
	tk := ticketInChannel(t, w, th)
	run(t, w, f.SlashCommand(w.As(w.Member, th.ID), "ticket", fakediscord.Sub("close", fakediscord.Str("reason", "done"))))
	// The close said in the thread: its deletion was scheduled before.
	w.WaitFor(t, "the close carried out", func() bool { return len(messagesWith(w, th.ID, "Closed by")) == 1 })
	w.Clock.Advance(61 * time.Minute) // the test world deletes closed channels after an hour
	w.WaitFor(t, "the thread deleted", func() bool { _, ok := f.Channel(th.ID); return !ok })
	w.WaitFor(t, "the removal recorded, not a loss", func() bool {
		got := lifecycle(t, w, tk.ID())
		return got[len(got)-1] == "ticket.channel_removed.v1"
	})
	w.Settle(t) // the THREAD_DELETE that followed is recorded by now, if it were a loss
	if slices.Contains(lifecycle(t, w, tk.ID()), "ticket.channel_lost.v1") {
		t.Fatal("the bot's own deletion of the thread was recorded as lost by hand")
	}
	if calls := f.Calls("DELETE", "/channels/"+th.ID.String()); len(calls) != 1 || calls[0].Status != 200 {
		t.Fatalf("thread deletions: %+v", calls)
	}
}
