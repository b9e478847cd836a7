package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	g      domain.GuildID = 1000
	member domain.UserID  = 2000
	staffU domain.UserID  = 3000
)

var staff = ticket.Participant{User: staffU, Staff: true, Guild: g}

// onEveryStore runs a test on the in-memory store and on embedded FerretDB,
// for the use cases whose point is how the store answers concurrent or
// repeated commands; the other tests run on the in-memory store only.
func onEveryStore(t *testing.T, test func(t *testing.T, store *eventstore.Store, numbers app.Numbers)) {
	t.Run("memory", func(t *testing.T) {
		env := testenv.NewMemApp(t)
		test(t, env.Store, env.Numbers)
	})
	t.Run("ferretdb-sqlite", func(t *testing.T) {
		env := testenv.NewApp(t)
		seq, err := mongodb.OpenSequence(context.Background(), env.Conn)
		if err != nil {
			t.Fatal(err)
		}
		test(t, env.Store, seq)
	})
}

func TestTwentyConcurrentOpensByOneMemberWithLimitOne(t *testing.T) {
	onEveryStore(t, twentyConcurrentOpens)
}

func twentyConcurrentOpens(t *testing.T, store *eventstore.Store, numbers app.Numbers) {
	a := app.New(store, numbers, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]error, 20)
	opened := make([]app.Opened, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opened[i], results[i] = a.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: member, Topic: "help"})
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, domain.ErrForbidden):
			refused++
			var re *domain.RuleError
			if !errors.As(err, &re) || re.Key != "ticket.limit_reached" {
				t.Errorf("a refusal without a message: %v", err)
			}
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || refused != 19 {
		t.Fatalf("%d opened, %d refused; want exactly 1 and 19", ok, refused)
	}
	var open int
	for i, o := range opened {
		if results[i] == nil {
			tk, err := a.Ticket(ctx, o.Ticket)
			if err != nil || tk.Status() != ticket.StatusOpen {
				t.Fatalf("the opened ticket: %+v, %v", tk, err)
			}
			open++
		}
	}
	if open != 1 {
		t.Fatalf("%d tickets exist", open)
	}
}

func TestAClosedTicketFreesTheSlotAndReopenRespectsTheLimit(t *testing.T) {
	env := testenv.NewMemApp(t)
	ctx := context.Background()
	first, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: member})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: member}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a second open at limit 1: %v", err)
	}
	if err := env.App.Close(ctx, first.Ticket, ticket.Participant{User: member, Guild: g}, "solved", app.Meta{}); err != nil {
		t.Fatal(err)
	}
	second, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: member})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	if second.Number != first.Number+1 {
		t.Fatalf("numbers %d then %d", first.Number, second.Number)
	}
	if err := env.App.Reopen(ctx, first.Ticket, ticket.Participant{User: member, Guild: g}, app.Meta{}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("the opener reopening beyond the limit: %v", err)
	}
	if err := env.App.Reopen(ctx, first.Ticket, staff, app.Meta{}); err != nil {
		t.Fatalf("staff reopening beyond the limit: %v", err)
	}
	tk, _ := env.App.Ticket(ctx, first.Ticket)
	if tk.Status() != ticket.StatusOpen {
		t.Fatalf("reopened ticket is %s", tk.Status())
	}
}

func TestBlacklistedMembersCannotOpenAndNothingIsStored(t *testing.T) {
	env := testenv.NewMemApp(t)
	ctx := context.Background()
	if err := env.App.Blacklist(ctx, g, guild.Member{User: staffU, ManageServer: true}, app.BlacklistTarget{User: member}, app.Meta{}); err != nil {
		t.Fatal(err)
	}
	head := env.Head(t)
	if _, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: member}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("blacklisted open: %v", err)
	}
	if env.Head(t) != head {
		t.Fatal("a refused open appended to the log")
	}
}

func TestARetriedOpenCommandOpensOneTicket(t *testing.T) {
	env := testenv.NewMemApp(t)
	ctx := context.Background()
	cmd := app.OpenTicket{Guild: g, Opener: member, Topic: "x", Meta: app.Meta{CommandID: "interaction-42"}}
	first, err := env.App.OpenTicket(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	again, err := env.App.OpenTicket(ctx, cmd)
	if err != nil || again.Ticket != first.Ticket || !again.Again {
		t.Fatalf("retry: %+v, %v (first %+v)", again, err, first)
	}
}

func TestMessagesSeenTwiceAreStoredOnce(t *testing.T) {
	env := testenv.NewMemApp(t)
	ctx := context.Background()
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: member})
	if err != nil {
		t.Fatal(err)
	}
	msg := ticket.PostedMessage{Ticket: o.Ticket, Channel: 5, Message: 77, Author: member, At: time.Now(), Content: "hello"}
	for range 3 {
		if err := env.App.RecordMessagePosted(ctx, g, msg); err != nil {
			t.Fatal(err)
		}
	}
	h, err := env.Store.Load(ctx, ticket.MessagesStream(o.Ticket))
	if err != nil || len(h.Events) != 1 {
		t.Fatalf("%d message events, err %v", len(h.Events), err)
	}
}
