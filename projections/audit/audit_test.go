package audit_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/audit"
	"github.com/ticketify/ticketify/projections/runner"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const g domain.GuildID = 55

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func history(t testing.TB, env *testenv.AppEnv) domain.TicketID {
	t.Helper()
	ctx := context.Background()
	settings, err := env.App.Settings(ctx, g)
	must(t, err)
	days := 30
	if settings.RetentionDays() == 30 {
		days = 60
	}
	must(t, env.App.SetRetention(ctx, g, guild.Member{User: 1, ManageServer: true}, days, app.Meta{Actor: domain.Actor{User: 1, Source: domain.SourceDashboard}}))
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: 100, Topic: "secret topic", Meta: app.Meta{Actor: domain.Actor{User: 100, Source: domain.SourceSlashCommand}}})
	must(t, err)
	staff := ticket.Participant{User: 9, Staff: true, Guild: g}
	must(t, env.App.Claim(ctx, o.Ticket, staff, app.Meta{Actor: domain.Actor{User: 9, Source: domain.SourceButton}}))
	must(t, env.App.AttachChannel(ctx, o.Ticket, 700, 0, app.Meta{Actor: domain.Actor{Source: domain.SourceDiscord}}))
	must(t, env.App.Close(ctx, o.Ticket, staff, "very private reason", app.Meta{Actor: domain.Actor{User: 9, Source: domain.SourceSlashCommand}}))
	must(t, env.App.RemoveChannel(ctx, o.Ticket, 700, "closed more than 24h ago"))
	return o.Ticket
}

func reader(rt *runner.Runtime) *audit.Reader {
	return audit.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, audit.Projector{}) })
}

func TestTheTimelineSaysWhoDidWhatWhenAndWhy(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, audit.Projector{})
	id := history(t, env)
	env.Caught(t, rt)
	ctx := context.Background()
	page, err := reader(rt).Timeline(ctx, audit.Query{Guild: g.String()})
	must(t, err)
	var types []string
	for _, e := range page.Entries {
		types = append(types, e.Type)
	}
	want := []string{"ticket.channel_removed.v1", "ticket.closed.v1", "ticket.channel_attached.v1", "ticket.claimed.v1", "ticket.opened.v1", "guild.retention_set.v1"}
	if !slices.Equal(types, want) {
		t.Fatalf("timeline, newest first:\n got %v\nwant %v", types, want)
	}
	removed, closed, claimed, retention := page.Entries[0], page.Entries[1], page.Entries[3], page.Entries[5]
	if removed.Source != "automation" || removed.Because != "closed more than 24h ago" {
		t.Fatalf("an automated action without its reason: %+v", removed)
	}
	if claimed.Actor != "9" || claimed.Source != "button" || !strings.Contains(claimed.Text, "<@9> claimed") {
		t.Fatalf("claim entry %+v", claimed)
	}
	if retention.Details["before"] != "90" || retention.Details["after"] != "30" || retention.Source != "dashboard" {
		t.Fatalf("settings change %+v", retention)
	}
	for _, e := range page.Entries {
		if strings.Contains(e.Text, "very private reason") || strings.Contains(e.Text, "secret topic") {
			t.Fatalf("personal data on the timeline: %q", e.Text)
		}
	}
	if !strings.Contains(closed.Text, "(recorded)") {
		t.Fatalf("close entry %q", closed.Text)
	}
	ticketPage, err := reader(rt).Timeline(ctx, audit.Query{Guild: g.String(), Ticket: string(id), Limit: 2})
	must(t, err)
	if len(ticketPage.Entries) != 2 || ticketPage.Next == 0 {
		t.Fatalf("ticket timeline page: %+v", ticketPage)
	}
	rest, err := reader(rt).Timeline(ctx, audit.Query{Guild: g.String(), Ticket: string(id), Before: ticketPage.Next})
	must(t, err)
	if len(rest.Entries) != 3 || rest.Next != 0 {
		t.Fatalf("the rest of the ticket timeline: %+v", rest)
	}
	byActor, err := reader(rt).Timeline(ctx, audit.Query{Guild: g.String(), Actor: "9"})
	must(t, err)
	if len(byActor.Entries) != 2 {
		t.Fatalf("filter by actor: %d entries", len(byActor.Entries))
	}
	byType, err := reader(rt).Timeline(ctx, audit.Query{Guild: g.String(), Type: "ticket.opened.v1"})
	must(t, err)
	if len(byType.Entries) != 1 {
		t.Fatalf("filter by type: %d entries", len(byType.Entries))
	}
	if other, _ := reader(rt).Timeline(ctx, audit.Query{Guild: "999"}); len(other.Entries) != 0 {
		t.Fatal("another guild sees entries")
	}
}

func TestVerifyFindsATamperedEvent(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, audit.Projector{})
	id := history(t, env)
	env.Caught(t, rt)
	ctx := context.Background()
	n, mismatches, err := reader(rt).Verify(ctx, env.Store, env.Log)
	must(t, err)
	if n == 0 || len(mismatches) != 0 {
		t.Fatalf("an untouched log: %d streams, mismatches %+v", n, mismatches)
	}
	// Someone with database access rewrites who claimed the ticket, in the
	// commit and in its stream entry.
	h, err := env.Store.Load(ctx, ticket.Stream(id))
	must(t, err)
	claim := h.Envelopes[1]
	forged := `{"ticket":"` + string(id) + `","by":"666"}`
	events := env.Conn.DB.Collection("events")
	res, err := events.UpdateOne(ctx, bson.D{{Key: "_id", Value: commitKey(claim.CommitPosition)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "ev.0.data", Value: forged}}}})
	must(t, err)
	res2, err := events.UpdateOne(ctx, bson.D{{Key: "_id", Value: "s/" + ticket.Stream(id) + "/000000000002"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "c.ev.0.data", Value: forged}}}})
	must(t, err)
	if res.ModifiedCount != 1 || res2.ModifiedCount != 1 {
		t.Fatal("the tampering did not happen")
	}
	fresh := testenv.NewAppOn(t, env.Conn) // a process without caches
	_, mismatches, err = reader(rt).Verify(ctx, fresh.Store, fresh.Log)
	must(t, err)
	if len(mismatches) == 0 || mismatches[0].Stream != ticket.Stream(id) || mismatches[0].Version != 2 {
		t.Fatalf("tampering not found: %+v", mismatches)
	}
}

func commitKey(pos int64) string {
	return "c/events/" + strings.Repeat("0", 20-len(itoa(pos))) + itoa(pos)
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestRebuildEqualsLiveAndShuffledDeliveryConverges(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, audit.Projector{})
	for range 3 {
		history(t, env)
	}
	env.Caught(t, rt)
	ctx := context.Background()
	live, err := rt.Target(ctx, audit.Projector{})
	must(t, err)
	rebuilt := projections.Target{Conn: env.Conn, Generation: 99, Store: env.Store}
	_, err = rt.Replay(ctx, audit.Projector{}, rebuilt, 0)
	must(t, err)
	want := testenv.Dump(t, env, live.Collection("audit"))
	if got := testenv.Dump(t, env, rebuilt.Collection("audit")); len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("rebuilt differs from live")
	}
	events := testenv.AllEvents(t, env)
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 3))
		order := slices.Clone(events)
		for range len(events) / 2 {
			order = append(order, events[rng.IntN(len(events))])
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		tgt := projections.Target{Conn: env.Conn, Generation: 200 + int(seed), Store: env.Store}
		a, err := audit.Projector{}.Open(ctx, tgt)
		must(t, err)
		for _, e := range order {
			must(t, a.Apply(ctx, e))
		}
		must(t, a.Flush(ctx))
		if got := testenv.Dump(t, env, tgt.Collection("audit")); !slices.Equal(got, want) {
			t.Fatalf("seed %d: shuffled delivery gives another timeline", seed)
		}
	}
}

func TestACachedTimelineShowsNewEntries(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, audit.Projector{})
	id := history(t, env)
	env.Caught(t, rt)
	r := reader(rt)
	ctx := context.Background()
	before, err := r.Timeline(ctx, audit.Query{Guild: g.String(), Ticket: string(id)})
	must(t, err)
	must(t, env.App.Reopen(ctx, id, ticket.Participant{User: 9, Staff: true, Guild: g}, app.Meta{Actor: domain.Actor{User: 9, Source: domain.SourceDashboard}}))
	env.Caught(t, rt)
	after, err := r.Timeline(ctx, audit.Query{Guild: g.String(), Ticket: string(id)})
	must(t, err)
	if len(after.Entries) != len(before.Entries)+1 || after.Entries[0].Type != "ticket.reopened.v1" {
		t.Fatalf("after a reopen the cached timeline shows %d entries (was %d), newest %s", len(after.Entries), len(before.Entries), after.Entries[0].Type)
	}
}

// The log keeps each event twice: in its commit, which projections and
// rebuilds read, and in its stream's copy, which decisions and exports read.
// Rewriting only the commit would change what a rebuild shows without
// touching the chain computed from the stream: the verifier compares them.
func TestVerifyFindsACommitThatDiffersFromItsStreamCopy(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, audit.Projector{})
	id := history(t, env)
	env.Caught(t, rt)
	ctx := context.Background()
	h, err := env.Store.Load(ctx, ticket.Stream(id))
	must(t, err)
	claim := h.Envelopes[1]
	res, err := env.Conn.DB.Collection("events").UpdateOne(ctx, bson.D{{Key: "_id", Value: commitKey(claim.CommitPosition)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "ev.0.data", Value: `{"ticket":"` + string(id) + `","by":"666"}`}}}})
	must(t, err)
	if res.ModifiedCount != 1 {
		t.Fatal("the tampering did not happen")
	}
	fresh := testenv.NewAppOn(t, env.Conn)
	_, mismatches, err := reader(rt).Verify(ctx, fresh.Store, fresh.Log)
	must(t, err)
	if len(mismatches) != 1 || mismatches[0].Stream != ticket.Stream(id) || mismatches[0].Version != 2 {
		t.Fatalf("a commit rewritten alone: mismatches %+v, want the claim", mismatches)
	}
}
