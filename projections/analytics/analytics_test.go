package analytics_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/analytics"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const g domain.GuildID = 66

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func at(day, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, time.UTC) }

// twoDays is the scenario whose numbers are computed by hand in the test.
func twoDays(t *testing.T, env *testenv.AppEnv, c *clock) {
	ctx := context.Background()
	s1, s2 := ticket.Participant{User: 901, Staff: true, Guild: g}, ticket.Participant{User: 902, Staff: true, Guild: g}
	open := func(when time.Time, who domain.UserID) domain.TicketID {
		c.t = when
		o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: who})
		must(t, err)
		must(t, env.App.RecordUsage(ctx, g, who, "ticket open", app.Meta{}))
		return o.Ticket
	}
	msg := func(when time.Time, id domain.TicketID, who domain.UserID, m domain.MessageID) {
		c.t = when
		must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: id, Channel: 1, Message: m, Author: who, At: when, Content: "hi"}))
	}
	t1 := open(at(2, 10, 0), 1)
	msg(at(2, 10, 5), t1, 901, 1)
	c.t = at(2, 10, 6)
	must(t, env.App.Claim(ctx, t1, s1, app.Meta{}))
	must(t, env.App.RecordUsage(ctx, g, 901, "ticket claim", app.Meta{}))
	t2 := open(at(2, 11, 0), 2)
	msg(at(2, 11, 30), t2, 2, 2) // the opener: not a response
	c.t = at(2, 12, 0)
	must(t, env.App.Close(ctx, t1, s1, "", app.Meta{}))
	must(t, env.App.RecordUsage(ctx, g, 901, "ticket close", app.Meta{}))

	open(at(3, 9, 0), 3)
	msg(at(3, 9, 10), t2, 902, 3)
	c.t = at(3, 10, 0)
	must(t, env.App.Close(ctx, t2, s2, "", app.Meta{}))
	c.t = at(3, 10, 30)
	must(t, env.App.Reopen(ctx, t1, s1, app.Meta{}))
	c.t = at(3, 11, 0)
	must(t, env.App.Close(ctx, t1, s1, "", app.Meta{}))
}

func wantDays() []analytics.Day {
	return []analytics.Day{
		{Day: "2026-11-02", Opened: 2, Closed: 1, Backlog: 1,
			Commands:         map[string]int{"ticket open": 2, "ticket claim": 1, "ticket close": 1},
			FirstResp:        analytics.Percentiles{Count: 1, Median: 5 * 60_000, P90: 5 * 60_000},
			FirstRespInHours: analytics.Percentiles{Count: 1, Median: 5 * 60_000, P90: 5 * 60_000}, // no support hours: all of it
			Resolve:          analytics.Percentiles{Count: 1, Median: 2 * 3_600_000, P90: 2 * 3_600_000},
			Staff:            map[string]analytics.Staff{"901": {Claimed: 1, Closed: 1}}},
		{Day: "2026-11-03", Opened: 1, Closed: 2, Reopened: 1, Backlog: 1,
			Commands:         map[string]int{"ticket open": 1},
			FirstResp:        analytics.Percentiles{Count: 1, Median: (22*60 + 10) * 60_000, P90: (22*60 + 10) * 60_000},
			FirstRespInHours: analytics.Percentiles{Count: 1, Median: (22*60 + 10) * 60_000, P90: (22*60 + 10) * 60_000},
			Resolve:          analytics.Percentiles{Count: 1, Median: 23 * 3_600_000, P90: 23 * 3_600_000},
			Staff:            map[string]analytics.Staff{"901": {Closed: 1}, "902": {Closed: 1}}},
	}
}

func TestDailyNumbersMatchAHandComputedScenario(t *testing.T) {
	c := &clock{}
	env := testenv.NewAppClock(t, testenv.SQLite(t), c.now)
	twoDays(t, env, c)
	rt := env.Projections(t, analytics.Projector{})
	env.Caught(t, rt)
	r := analytics.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, analytics.Projector{}) })
	got, err := r.Range(context.Background(), g.String(), "2026-11-01", "2026-11-30")
	must(t, err)
	if want := wantDays(); !reflect.DeepEqual(got, want) {
		t.Fatalf("days\n got %+v\nwant %+v", got, want)
	}
	second, err := r.Range(context.Background(), g.String(), "2026-11-03", "2026-11-03")
	must(t, err)
	if len(second) != 1 || second[0].Backlog != 1 {
		t.Fatalf("a range starting later still carries the backlog: %+v", second)
	}
}

func TestDuplicatedAndShuffledDeliveryCountOnce(t *testing.T) {
	c := &clock{}
	env := testenv.NewAppClock(t, testenv.SQLite(t), c.now)
	twoDays(t, env, c)
	events := testenv.AllEvents(t, env)
	ctx := context.Background()
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 5))
		order := slices.Clone(events)
		for range len(events) {
			order = append(order, events[rng.IntN(len(events))])
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		tgt := projections.Target{Conn: env.Conn, Generation: 10 + int(seed), Store: env.Store}
		a, err := analytics.Projector{}.Open(ctx, tgt)
		must(t, err)
		for i, e := range order {
			must(t, a.Apply(ctx, e))
			if i%9 == 0 {
				must(t, a.Flush(ctx))
			}
		}
		must(t, a.Flush(ctx))
		got, err := analytics.NewReader(func(context.Context) (projections.Target, error) { return tgt, nil }).Range(ctx, g.String(), "2026-11-01", "2026-11-30")
		must(t, err)
		if want := wantDays(); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d:\n got %+v\nwant %+v", seed, got, want)
		}
	}
}

func TestRebuildEqualsLive(t *testing.T) {
	c := &clock{}
	env := testenv.NewAppClock(t, testenv.SQLite(t), c.now)
	rt := env.Projections(t, analytics.Projector{})
	twoDays(t, env, c)
	env.Caught(t, rt)
	ctx := context.Background()
	live, err := rt.Target(ctx, analytics.Projector{})
	must(t, err)
	rebuilt := projections.Target{Conn: env.Conn, Generation: 99, Store: env.Store}
	_, err = rt.Replay(ctx, analytics.Projector{}, rebuilt, 0)
	must(t, err)
	a, b := testenv.Dump(t, env, live.Collection("analytics")), testenv.Dump(t, env, rebuilt.Collection("analytics"))
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("live and rebuilt analytics differ:\n%v\n%v", a, b)
	}
}

// TestAFirstResponseCapturedLateMovesToItsDay: backfill can capture an
// earlier staff answer after a later one; the first response then belongs
// to the earlier day, and the later day forgets it.
func TestAFirstResponseCapturedLateMovesToItsDay(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: at(2, 9, 0)}
	env := testenv.NewAppClock(t, testenv.SQLite(t), c.now)
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: 1})
	must(t, err)
	post := func(m domain.MessageID, when time.Time) {
		must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: o.Ticket, Channel: 1, Message: m, Author: 901, At: when, Content: "hi"}))
	}
	rt := env.Projections(t, analytics.Projector{})
	r := analytics.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, analytics.Projector{}) })
	post(2, at(3, 9, 0)) // live: the answer on day 3
	env.Caught(t, rt)
	days, err := r.Range(ctx, g.String(), "2026-11-01", "2026-11-30")
	must(t, err)
	if len(days) != 2 || days[1].FirstResp.Count != 1 || days[1].FirstResp.Median != 24*3_600_000 {
		t.Fatalf("before the backfill: %+v", days)
	}
	post(1, at(2, 9, 30)) // backfilled: an answer on day 2, half an hour in
	env.Caught(t, rt)
	days, err = r.Range(ctx, g.String(), "2026-11-01", "2026-11-30")
	must(t, err)
	if len(days) != 2 || days[0].FirstResp.Median != 30*60_000 || days[1].FirstResp.Count != 0 {
		t.Fatalf("after the backfill: %+v", days)
	}
	if days[0].Backlog != 1 || days[1].Backlog != 1 {
		t.Fatalf("backlog %d, %d", days[0].Backlog, days[1].Backlog)
	}
}

// A ticket opened after hours and answered the next morning: its first
// response took 15 h 30 min, of which 30 min were support hours.
func TestTheFirstResponseWithinSupportHours(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: at(2, 8, 0)}
	env := testenv.NewAppClock(t, testenv.SQLite(t), c.now)
	h := guild.SupportHours{Zone: "Europe/Berlin"}
	for d := time.Monday; d <= time.Friday; d++ {
		h.Week[d] = guild.Span{From: 9 * 60, To: 17 * 60}
	}
	must(t, env.App.SetSupportHours(ctx, g, guild.Member{User: 1, ManageServer: true}, h, app.Meta{}))
	c.t = at(2, 17, 0) // Monday 18:00 in Berlin
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: 1})
	must(t, err)
	c.t = at(3, 8, 30) // Tuesday 09:30 in Berlin
	must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: o.Ticket, Channel: 1, Message: 1, Author: 901, At: c.t, Content: "morning!"}))
	rt := env.Projections(t, analytics.Projector{})
	env.Caught(t, rt)
	r := analytics.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, analytics.Projector{}) })
	days, err := r.Range(ctx, g.String(), "2026-11-03", "2026-11-03")
	must(t, err)
	if len(days) != 1 || days[0].FirstResp.Median != (15*60+30)*60_000 || days[0].FirstRespInHours.Median != 30*60_000 {
		t.Fatalf("first response %+v, within hours %+v", days[0].FirstResp, days[0].FirstRespInHours)
	}
}
