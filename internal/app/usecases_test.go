package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// lastTypes lists the event types of the commits after position since, oldest first.
func lastTypes(t *testing.T, env *testenv.MemAppEnv, since int64) []string {
	t.Helper()
	commits, err := env.Log.ReadLog(context.Background(), "", since+1, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range commits {
		for _, r := range c.Records {
			out = append(out, r.Type)
		}
	}
	return out
}

// Each ticket use case, on an open ticket of the guild, appends its event;
// asked from another server it is refused and appends nothing.
func TestTicketUseCases(t *testing.T) {
	ctx := context.Background()
	by := ticket.Participant{User: staffU, Staff: true, Guild: g}
	elsewhere := ticket.Participant{User: staffU, Staff: true, Guild: g + 1}
	cases := []struct {
		name  string
		setup func(a *app.App, id domain.TicketID)
		do    func(a *app.App, id domain.TicketID, p ticket.Participant) error
		want  string
	}{
		{"claim", nil, func(a *app.App, id domain.TicketID, p ticket.Participant) error {
			return a.Claim(ctx, id, p, app.Meta{})
		}, "ticket.claimed.v1"},
		{"unclaim", func(a *app.App, id domain.TicketID) { must(t, a.Claim(ctx, id, by, app.Meta{})) },
			func(a *app.App, id domain.TicketID, p ticket.Participant) error {
				return a.Unclaim(ctx, id, p, app.Meta{})
			}, "ticket.unclaimed.v1"},
		{"add a member", nil, func(a *app.App, id domain.TicketID, p ticket.Participant) error {
			return a.AddMember(ctx, id, p, 77, app.Meta{})
		}, "ticket.member_added.v1"},
		{"remove a member", func(a *app.App, id domain.TicketID) { must(t, a.AddMember(ctx, id, by, 77, app.Meta{})) },
			func(a *app.App, id domain.TicketID, p ticket.Participant) error {
				return a.RemoveMember(ctx, id, p, 77, app.Meta{})
			}, "ticket.member_removed.v1"},
		{"rename", nil, func(a *app.App, id domain.TicketID, p ticket.Participant) error {
			return a.Rename(ctx, id, p, "billing", app.Meta{})
		}, "ticket.renamed.v1"},
		{"priority", nil, func(a *app.App, id domain.TicketID, p ticket.Participant) error {
			return a.SetPriority(ctx, id, p, ticket.PriorityUrgent, app.Meta{})
		}, "ticket.priority_set.v1"},
		{"correct the topic", nil, func(a *app.App, id domain.TicketID, p ticket.Participant) error {
			return a.CorrectTopic(ctx, id, p, "the right topic", app.Meta{})
		}, "ticket.topic_corrected.v1"},
		{"change the category", func(a *app.App, id domain.TicketID) {
			must(t, a.AddCategory(ctx, g, guild.Member{User: staffU, ManageServer: true}, guild.Category{Key: "bugs", Name: "Bugs"}, app.Meta{}))
		}, func(a *app.App, id domain.TicketID, p ticket.Participant) error {
			return a.ChangeCategory(ctx, id, p, "bugs", app.Meta{})
		}, "ticket.category_changed.v1"},
		{"close", nil, func(a *app.App, id domain.TicketID, p ticket.Participant) error {
			return a.Close(ctx, id, p, "done", app.Meta{})
		}, "ticket.closed.v1"},
		{"reopen", func(a *app.App, id domain.TicketID) { must(t, a.Close(ctx, id, by, "done", app.Meta{})) },
			func(a *app.App, id domain.TicketID, p ticket.Participant) error {
				return a.Reopen(ctx, id, p, app.Meta{})
			}, "ticket.reopened.v1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := testenv.NewMemApp(t)
			o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: member, Topic: "help"})
			must(t, err)
			if c.setup != nil {
				c.setup(env.App, o.Ticket)
			}
			before := env.Head(t)
			if err := c.do(env.App, o.Ticket, elsewhere); !errors.Is(err, ticket.ErrNotHere) {
				t.Fatalf("from another server: %v, want ErrNotHere", err)
			}
			if h := env.Head(t); h != before {
				t.Fatalf("a refusal appended %d commits", h-before)
			}
			must(t, c.do(env.App, o.Ticket, by))
			got := lastTypes(t, env, before)
			if len(got) == 0 || !contains(got, c.want) {
				t.Fatalf("appended %v, want %s", got, c.want)
			}
		})
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// The Discord-side facts and profile observations are recorded once, and a
// fact that changes nothing appends nothing.
func TestFactsAndProfilesAreRecordedOnce(t *testing.T) {
	ctx := context.Background()
	env := testenv.NewMemApp(t)
	must(t, env.App.RecordBotJoined(ctx, g, "Server", staffU))
	must(t, env.App.RecordBotJoined(ctx, g, "Server", staffU))
	must(t, env.App.RecordUsage(ctx, g, member, "ticket open", app.Meta{CommandID: "i-1"}))
	must(t, env.App.ObserveProfile(ctx, member, profile.Personal{Username: "mia"}, app.Meta{}))
	must(t, env.App.ObserveProfile(ctx, member, profile.Personal{Username: "mia"}, app.Meta{}))
	must(t, env.App.RecordLogin(ctx, member, app.Meta{}))
	got := lastTypes(t, env, 0)
	want := []string{"guild.bot_joined.v1", "usage.command_used.v1", "profile.observed.v1", "profile.logged_in.v1"}
	if len(got) != len(want) {
		t.Fatalf("appended %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("appended %v, want %v", got, want)
		}
	}
	must(t, env.App.RecordBotRemoved(ctx, g))
	s, err := env.App.Settings(ctx, g)
	must(t, err)
	if s.BotPresent() {
		t.Fatal("the bot's removal was not recorded")
	}
}

// dueList is the retention projection's answer, given.
type dueList []domain.TicketID

func (d dueList) Due(context.Context, time.Time, int) ([]domain.TicketID, error) { return d, nil }

// The retention runner only acts on what the ticket itself decides is due:
// a nominated ticket that was reopened, or whose server keeps transcripts
// longer now, keeps its keys.
func TestRetentionDeletesOnlyWhatIsDue(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	env := testenv.NewMemApp(t)
	a := env.App.WithClock(clock)
	staff := ticket.Participant{User: staffU, Staff: true, Guild: g}
	open := func(u domain.UserID) domain.TicketID {
		o, err := a.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: u, Topic: "secret"})
		must(t, err)
		must(t, a.Close(ctx, o.Ticket, staff, "done", app.Meta{}))
		return o.Ticket
	}
	expired, reopened := open(1), open(2)
	must(t, a.Reopen(ctx, reopened, staff, app.Meta{}))
	now = now.AddDate(0, 0, 91)
	r := &app.Retention{App: a, Jobs: dueList{expired, reopened}, Keys: env.Keys, Clock: clock}
	n, err := r.RunDue(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("%d expired, want 1", n)
	}
	for id, want := range map[domain.TicketID]bool{expired: true, reopened: false} {
		tk, err := a.Ticket(ctx, id)
		must(t, err)
		if tk.TranscriptExpired() != want {
			t.Errorf("ticket %s expired: %v, want %v", id, tk.TranscriptExpired(), want)
		}
	}
	if n, err := r.RunDue(ctx); err != nil || n != 0 {
		t.Fatalf("a second run expired %d (%v), want 0", n, err)
	}
}
