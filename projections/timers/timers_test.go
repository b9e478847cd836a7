package timers_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/timers"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const g domain.GuildID = 77

var admin = guild.Member{User: 1, ManageServer: true}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// memCursor keeps the automation's cursor in memory.
type memCursor struct{ at time.Time }

func (m *memCursor) Load(context.Context) (time.Time, error)    { return m.at, nil }
func (m *memCursor) Save(_ context.Context, at time.Time) error { m.at = at; return nil }

type world struct {
	env    *testenv.AppEnv
	rt     *runner.Runtime
	clock  *clock
	reader *timers.Reader
	auto   *app.Automation
}

func newWorld(t testing.TB, conn *mongodb.Conn) *world {
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	env := testenv.NewAppClock(t, conn, c.now)
	rt := env.Projections(t, timers.Projector{})
	reader := timers.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, timers.Projector{}) })
	ctx := context.Background()
	if err := env.App.RecordBotJoined(ctx, g, "Test", 1); err != nil {
		t.Fatal(err)
	}
	return &world{env: env, rt: rt, clock: c, reader: reader,
		auto: &app.Automation{App: env.App, Timers: reader, Cursor: &memCursor{}, Synced: rt, Clock: c.now}}
}

func (w *world) open(t testing.TB, opener domain.UserID) domain.TicketID {
	t.Helper()
	o, err := w.env.App.OpenTicket(context.Background(), app.OpenTicket{Guild: g, Opener: opener, Topic: "help"})
	if err != nil {
		t.Fatal(err)
	}
	return o.Ticket
}

// dueWithin lists the tickets filed under the minutes of [from, to].
func (w *world) dueWithin(t testing.TB, from, to time.Time) []domain.TicketID {
	t.Helper()
	w.env.Caught(t, w.rt)
	ids, err := w.reader.Due(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestATicketIsFiledUnderTheMinuteItsNextStepIsDue(t *testing.T) {
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	start := w.clock.now()
	id := w.open(t, 500)
	warnAt := start.Add(48 * time.Hour)
	if got := append(w.dueWithin(t, start, start.Add(time.Hour)), w.dueWithin(t, warnAt, warnAt)...); len(got) != 0 {
		t.Fatalf("auto-close is off, yet filed: %v", got)
	}
	// On: the warning is due 48 h after the open, filed under that minute.
	if err := w.env.App.SetAutoClose(ctx, g, admin, "", guild.AutoClose{AfterMinutes: 72 * 60}, app.Meta{}); err != nil {
		t.Fatal(err)
	}
	if got := w.dueWithin(t, warnAt.Add(-time.Minute), warnAt.Add(-time.Minute)); len(got) != 0 {
		t.Fatalf("filed a minute early: %v", got)
	}
	if got := w.dueWithin(t, warnAt, warnAt); len(got) != 1 || got[0] != id {
		t.Fatalf("under the warning's minute: %v", got)
	}
	// A shorter rule moves it at once.
	if err := w.env.App.SetAutoClose(ctx, g, admin, "", guild.AutoClose{AfterMinutes: 4 * 60}, app.Meta{}); err != nil {
		t.Fatal(err)
	}
	if got := w.dueWithin(t, warnAt, warnAt); len(got) != 0 {
		t.Fatalf("still under the old minute: %v", got)
	}
	if got := w.dueWithin(t, start.Add(2*time.Hour), start.Add(2*time.Hour)); len(got) != 1 {
		t.Fatalf("not under the new minute: %v", got)
	}
	// Closed: filed nowhere.
	tk, _ := w.env.App.Ticket(ctx, id)
	if err := w.env.App.Close(ctx, id, ticket.Participant{User: 500, Guild: g}, "", app.Meta{}); err != nil {
		t.Fatal(err)
	}
	if got := w.dueWithin(t, start.Add(2*time.Hour), start.Add(2*time.Hour)); len(got) != 0 {
		t.Fatalf("a closed ticket (%s) is still filed: %v", tk.Status(), got)
	}
}

func TestTheAutomationWarnsThenClosesOnceEvenWhenRunTwiceAtOnce(t *testing.T) {
	conn := testenv.SQLite(t)
	w := newWorld(t, conn)
	ctx := context.Background()
	if err := w.env.App.SetAutoClose(ctx, g, admin, "", guild.AutoClose{AfterMinutes: 2 * 60}, app.Meta{}); err != nil {
		t.Fatal(err)
	}
	id := w.open(t, 600)
	// A second process with its own runner, racing the first.
	other := &app.Automation{App: w.env.App, Timers: w.reader, Cursor: &memCursor{}, Synced: w.rt, Clock: w.clock.now}
	both := func() {
		t.Helper()
		w.env.Caught(t, w.rt)
		var wg sync.WaitGroup
		for _, a := range []*app.Automation{w.auto, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := a.RunDue(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		w.env.Caught(t, w.rt)
	}
	w.clock.advance(time.Hour + time.Minute)
	both()
	w.clock.advance(time.Hour + time.Minute)
	both()
	both()
	h, err := w.env.Store.Load(ctx, ticket.Stream(id))
	if err != nil {
		t.Fatal(err)
	}
	warned, closed := 0, 0
	for i, e := range h.Events {
		switch e.(type) {
		case ticket.InactivityWarned:
			warned++
		case ticket.Closed:
			closed++
			if b := h.Envelopes[i].Actor.Because; b != "inactive 2 h" {
				t.Errorf("closed because %q", b)
			}
		}
	}
	if warned != 1 || closed != 1 {
		t.Fatalf("warned %d times, closed %d times; want once each", warned, closed)
	}
}

// BenchmarkAutomationTick measures one tick of the automation with 10,000
// open tickets under auto-close and nothing due, against one _id lookup on
// the same database (the baseline).
func BenchmarkAutomationTick(b *testing.B) {
	n := 10_000
	if s := os.Getenv("TICKETIFY_BENCH_OPEN_TICKETS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	conn := testenv.SQLite(b)
	w := newWorld(b, conn)
	ctx := context.Background()
	if err := w.env.App.SetAutoClose(ctx, g, admin, "", guild.AutoClose{AfterMinutes: 72 * 60}, app.Meta{}); err != nil {
		b.Fatal(err)
	}
	if err := w.env.App.SetTicketLimit(ctx, g, admin, guild.MaxTicketLimit, app.Meta{}); err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	for i := range n {
		w.open(b, domain.UserID(10_000+i/guild.MaxTicketLimit))
	}
	w.env.Caught(b, w.rt)
	b.Logf("seeded %d open tickets in %s", n, time.Since(began).Round(time.Second))
	w.clock.advance(time.Hour)
	if _, err := w.auto.RunDue(ctx); err != nil { // the first look moves the cursor to now
		b.Fatal(err)
	}
	coll := conn.DB.Collection("automation_probe")
	b.Run("baseline-one-id-lookup", func(b *testing.B) {
		for b.Loop() {
			if _, err := mongodb.FindByID[struct{}](ctx, coll, "x"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("tick-nothing-due/open=%d", n), func(b *testing.B) {
		for b.Loop() {
			w.clock.advance(30 * time.Second)
			acted, err := w.auto.RunDue(ctx)
			if err != nil || acted != 0 {
				b.Fatalf("acted %d, %v", acted, err)
			}
		}
	})
}

// BenchmarkAutomationThousandDue measures one tick that finds 1,000 tickets
// due at once (their warnings), without Discord: the decisions and appends.
func BenchmarkAutomationThousandDue(b *testing.B) {
	const n = 1000
	conn := testenv.SQLite(b)
	w := newWorld(b, conn)
	ctx := context.Background()
	if err := w.env.App.SetTicketLimit(ctx, g, admin, guild.MaxTicketLimit, app.Meta{}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		w.open(b, domain.UserID(10_000+i/guild.MaxTicketLimit))
	}
	if err := w.env.App.SetAutoClose(ctx, g, admin, "", guild.AutoClose{AfterMinutes: 24 * 60}, app.Meta{}); err != nil {
		b.Fatal(err)
	}
	w.env.Caught(b, w.rt)
	if _, err := w.auto.RunDue(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		w.clock.advance(12*time.Hour + time.Minute)
		w.env.Caught(b, w.rt)
		start := time.Now()
		acted, err := w.auto.RunDue(ctx)
		if err != nil || acted != n {
			b.Fatalf("acted on %d of %d: %v", acted, n, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/1000-due")
	}
}
