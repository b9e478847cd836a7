package subjects_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/subjects"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const g domain.GuildID = 31

var staff = ticket.Participant{User: 9, Staff: true, Guild: g}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// scenario: two members open tickets, write, staff answers and closes one.
func scenario(t *testing.T, env *testenv.AppEnv) []domain.TicketID {
	t.Helper()
	ctx := context.Background()
	var ids []domain.TicketID
	for _, u := range []domain.UserID{100, 200} {
		o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: u, Topic: "help"})
		must(t, err)
		ids = append(ids, o.Ticket)
		for m := range 3 {
			must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: o.Ticket, Channel: 1, Message: domain.MessageID(int64(u)*10 + int64(m)),
				Author: u, AuthorName: "member", At: time.Now(), Content: "hello"}))
		}
	}
	must(t, env.App.Claim(ctx, ids[0], staff, app.Meta{Actor: domain.Actor{User: 9, Source: domain.SourceSlashCommand}}))
	must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: ids[0], Channel: 1, Message: 9001, Author: 9, AuthorName: "staff", At: time.Now(), Content: "on it"}))
	must(t, env.App.Close(ctx, ids[0], staff, "done", app.Meta{Actor: domain.Actor{User: 9, Source: domain.SourceButton}}))
	return ids
}

func readerFor(rt *runner.Runtime) *subjects.Reader {
	return subjects.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, subjects.Projector{}) })
}

func types(t *testing.T, r *subjects.Reader, subject string) []string {
	t.Helper()
	var out []string
	var last int64
	must(t, r.Each(context.Background(), subject, func(rec subjects.Record) error {
		if rec.Position <= last {
			t.Fatalf("%s: position %d after %d", subject, rec.Position, last)
		}
		last = rec.Position
		out = append(out, rec.Type)
		return nil
	}))
	return out
}

func TestASubjectsEventsComeBackInLogOrder(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, subjects.Projector{})
	scenario(t, env)
	env.Caught(t, rt)
	r := readerFor(rt)
	member := types(t, r, "user:100")
	posted := 0
	for _, ty := range member {
		if ty == "ticket.message_posted.v1" {
			posted++
		}
	}
	if posted != 3 || !slices.Contains(member, "ticket.opened.v1") || !slices.Contains(member, "member.ticket_reserved.v1") {
		t.Fatalf("user 100's events: %v", member)
	}
	staffEvents := types(t, r, "user:9")
	for _, want := range []string{"ticket.claimed.v1", "ticket.closed.v1", "ticket.message_posted.v1"} {
		if !slices.Contains(staffEvents, want) {
			t.Fatalf("staff's events lack %s: %v", want, staffEvents)
		}
	}
	if slices.Contains(staffEvents, "ticket.opened.v1") {
		t.Fatalf("staff's events include someone else's opening: %v", staffEvents)
	}
	// The guild's subject has everything that happened in it.
	if n := len(types(t, r, "guild:31")); n < len(member)+len(staffEvents)-2 {
		t.Fatalf("the guild names only %d events", n)
	}
	// Sealed data stays sealed in the index.
	must(t, r.Each(context.Background(), "user:100", func(rec subjects.Record) error {
		if rec.Type == "ticket.message_posted.v1" && (rec.KeyID == "" || len(rec.Ciphertext) == 0) {
			t.Fatalf("an indexed message has no sealed content: %+v", rec)
		}
		return nil
	}))
}

func TestRebuiltAndShuffledIndexesEqualTheLiveOne(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, subjects.Projector{})
	scenario(t, env)
	env.Caught(t, rt)
	ctx := context.Background()
	live, err := rt.Target(ctx, subjects.Projector{})
	must(t, err)
	want := testenv.Dump(t, env, live.Collection("subject_events"))
	rebuilt := projections.Target{Conn: env.Conn, Generation: 99, Store: env.Store}
	_, err = rt.Replay(ctx, subjects.Projector{}, rebuilt, 0)
	must(t, err)
	if got := testenv.Dump(t, env, rebuilt.Collection("subject_events")); len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("rebuilt differs:\nlive:    %v\nrebuilt: %v", want, got)
	}
	events := testenv.AllEvents(t, env)
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 3))
		order := slices.Clone(events)
		for range len(events) / 2 {
			order = append(order, events[rng.IntN(len(events))])
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		tgt := projections.Target{Conn: env.Conn, Generation: 200 + int(seed), Store: env.Store}
		a, err := subjects.Projector{}.Open(ctx, tgt)
		must(t, err)
		for i, e := range order {
			must(t, a.Apply(ctx, e))
			if i%5 == 0 {
				must(t, a.Flush(ctx))
			}
		}
		must(t, a.Flush(ctx))
		if got := testenv.Dump(t, env, tgt.Collection("subject_events")); !slices.Equal(got, want) {
			t.Fatalf("seed %d: shuffled delivery differs", seed)
		}
	}
}
