package ticketviews_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const g domain.GuildID = 42

var staff = ticket.Participant{User: 9, Staff: true, Guild: g}

// scenario runs a small guild's day through the use cases and returns its tickets.
func scenario(t *testing.T, env *testenv.AppEnv) []domain.TicketID {
	t.Helper()
	ctx := context.Background()
	var ids []domain.TicketID
	for u := domain.UserID(100); u < 106; u++ {
		o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: u, Topic: fmt.Sprintf("topic of %d", u)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.Ticket)
		must(t, env.App.AttachChannel(ctx, o.Ticket, domain.ChannelID(500+u), 0, app.Meta{}))
		for m := range 3 {
			must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: o.Ticket, Channel: domain.ChannelID(500 + u),
				Message: domain.MessageID(int64(u)*100 + int64(m)), Author: u, At: time.Now(), Content: "hi"}))
		}
	}
	must(t, env.App.Claim(ctx, ids[0], staff, app.Meta{}))
	must(t, env.App.AddMember(ctx, ids[0], staff, 777, app.Meta{}))
	must(t, env.App.SetPriority(ctx, ids[1], staff, ticket.PriorityUrgent, app.Meta{}))
	must(t, env.App.Rename(ctx, ids[1], staff, "VIP refund", app.Meta{}))
	must(t, env.App.Close(ctx, ids[2], staff, "duplicate", app.Meta{}))
	must(t, env.App.Close(ctx, ids[3], ticket.Participant{User: 103, Guild: g}, "thanks", app.Meta{}))
	must(t, env.App.Reopen(ctx, ids[3], staff, app.Meta{}))
	must(t, env.App.LoseChannel(ctx, ids[4], 604, app.Meta{}))
	return ids
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLiveViewsShowTheScenario(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, ticketviews.Projector{})
	ids := scenario(t, env)
	env.Caught(t, rt)
	reader := ticketviews.NewReader(func(ctx context.Context) (projections.Target, error) {
		return rt.Target(ctx, ticketviews.Projector{})
	})
	ctx := context.Background()
	v, err := reader.Get(ctx, string(ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	if v.Claimer != "9" || !slices.Equal(v.Members, []string{"777"}) || v.MessageCount != 3 || v.Status != "open" || v.Topic != "topic of 100" {
		t.Fatalf("view of ticket 1: %+v", v)
	}
	if v, _ := reader.Get(ctx, string(ids[1])); v.Name != "vip-refund" || v.Priority != "urgent" {
		t.Fatalf("view of ticket 2: %+v", v)
	}
	if v, _ := reader.Get(ctx, string(ids[4])); v.Status != "closed" || !v.ChannelLost {
		t.Fatalf("view of the ticket whose channel was deleted: %+v", v)
	}
	open, err := reader.List(ctx, g.String(), ticketviews.Filter{Status: "open"})
	if err != nil {
		t.Fatal(err)
	}
	if open.Total != 4 || open.Tickets[0].Number != 6 || open.Tickets[3].Number != 1 {
		t.Fatalf("open list: %+v", open)
	}
	if found, _ := reader.List(ctx, g.String(), ticketviews.Filter{Text: "VIP"}); found.Total != 1 || found.Tickets[0].ID != string(ids[1]) {
		t.Fatalf("text search: %+v", found)
	}
}

func TestRebuildEqualsLive(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, ticketviews.Projector{})
	scenario(t, env)
	env.Caught(t, rt)
	ctx := context.Background()
	live, err := rt.Target(ctx, ticketviews.Projector{})
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := projections.Target{Conn: env.Conn, Generation: 99, Store: env.Store}
	if _, err := rt.Replay(ctx, ticketviews.Projector{}, rebuilt, 0); err != nil {
		t.Fatal(err)
	}
	for _, c := range (ticketviews.Projector{}).Collections() {
		a, b := testenv.Dump(t, env, live.Collection(c)), testenv.Dump(t, env, rebuilt.Collection(c))
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Fatalf("%s: live and rebuilt differ\nlive:    %v\nrebuilt: %v", c, a, b)
		}
	}
}

// TestDuplicatedAndShuffledDeliveryGiveTheSameViews is a property test: for
// many random orders of the log's events, each possibly delivered several
// times, the views equal those of one in-order delivery.
func TestDuplicatedAndShuffledDeliveryGiveTheSameViews(t *testing.T) {
	env := testenv.NewApp(t)
	scenario(t, env)
	ctx := context.Background()
	commits, err := env.Log.ReadLog(ctx, "", 1, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	var events []projections.Event
	for _, c := range commits {
		for _, e := range c.Envelopes() {
			d, err := env.Store.Codec().Decode(ctx, e.Record)
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, projections.Event{Envelope: e, Event: d.Event, Erased: d.Erased})
		}
	}
	apply := func(gen int, order []projections.Event) projections.Target {
		tgt := projections.Target{Conn: env.Conn, Generation: gen, Store: env.Store}
		a, err := ticketviews.Projector{}.Open(ctx, tgt)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range order {
			if err := a.Apply(ctx, e); err != nil {
				t.Fatal(err)
			}
			if i%7 == 0 { // flush at odd moments, as live delivery does after every event
				must(t, a.Flush(ctx))
			}
		}
		must(t, a.Flush(ctx))
		return tgt
	}
	want := apply(1, events)
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 7))
		order := slices.Clone(events)
		for range len(events) / 2 {
			order = append(order, events[rng.IntN(len(events))])
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		got := apply(int(seed)+2, order)
		for _, c := range (ticketviews.Projector{}).Collections() {
			if a, b := testenv.Dump(t, env, want.Collection(c)), testenv.Dump(t, env, got.Collection(c)); !slices.Equal(a, b) {
				t.Fatalf("seed %d: %s differ\nin order: %v\nshuffled: %v", seed, c, a, b)
			}
		}
	}
}

func TestAPoisonEventIsParkedAndReportedAndLaterEventsStillApply(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, ticketviews.Projector{})
	ctx := context.Background()
	// An event this build cannot decode (a type from a newer version, say).
	poison := eventstore.Commit{ID: "poison", Stream: "ticket/01JD7Q4V3S8X2N6M5K4J3H2G1F", At: time.Now(),
		Records: []eventstore.Record{{ID: "p1", Type: "ticket.teleported.v9", Data: []byte(`{}`)}}}
	if _, err := env.Log.Append(ctx, poison, eventstore.NoStream); err != nil {
		t.Fatal(err)
	}
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: 1})
	if err != nil {
		t.Fatal(err)
	}
	env.Caught(t, rt)
	parked, err := rt.Parked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 1 || parked[0].EventID != "p1" || parked[0].Projector != ticketviews.Name || parked[0].Error == "" {
		t.Fatalf("parked: %+v", parked)
	}
	reader := ticketviews.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, ticketviews.Projector{}) })
	if _, err := reader.Get(ctx, string(o.Ticket)); err != nil {
		t.Fatalf("the event after the poison one was not applied: %v", err)
	}
}

func TestACachedListShowsEveryChange(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, ticketviews.Projector{})
	ids := scenario(t, env)
	env.Caught(t, rt)
	reader := ticketviews.NewReader(func(ctx context.Context) (projections.Target, error) {
		return rt.Target(ctx, ticketviews.Projector{})
	})
	ctx := context.Background()
	claimer := func() string {
		all, err := reader.All(ctx, g.String())
		must(t, err)
		for _, s := range all {
			if s.ID == string(ids[5]) {
				return s.Claimer
			}
		}
		t.Fatal("ticket 6 is not listed")
		return ""
	}
	if c := claimer(); c != "" { // now cached
		t.Fatalf("ticket 6 claimed by %q before the claim", c)
	}
	must(t, env.App.Claim(ctx, ids[5], staff, app.Meta{}))
	env.Caught(t, rt)
	if c := claimer(); c != "9" {
		t.Fatalf("the cached list still shows claimer %q after the claim", c)
	}
}
