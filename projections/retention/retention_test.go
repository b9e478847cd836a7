package retention_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/adapters/mongo/embedded"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/audit"
	"github.com/ticketify/ticketify/projections/retention"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/transcripts"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const g domain.GuildID = 55

// admin may change the server's settings (Manage Server).
var admin = guild.Member{User: 1, ManageServer: true}

var staff = ticket.Participant{User: 9, Staff: true, Guild: g}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var closedAt = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

func day(n int) time.Time { return closedAt.AddDate(0, 0, n) }

// process is one run of the program: the application, the projections
// retention relies on and the runner.
type process struct {
	env    *testenv.AppEnv
	rt     *runner.Runtime
	runner *app.Retention
}

var projectors = []projections.Projector{retention.Projector{}, ticketviews.Projector{}, transcripts.Projector{}, audit.Projector{}}

func start(t *testing.T, conn *mongodb.Conn, c *clock) *process {
	if c.t.IsZero() {
		c.t = closedAt.AddDate(0, 0, -1)
	}
	env := testenv.NewAppClock(t, conn, c.now)
	rt := env.Projections(t, projectors...)
	err := env.App.AddCategory(context.Background(), g, admin, guild.Category{Key: "help", Name: "Help", Questions: []guild.Question{{Label: "What happened?"}}}, app.Meta{})
	if err != nil && !errors.Is(err, domain.ErrConflict) {
		t.Fatal(err)
	}
	return &process{env: env, rt: rt, runner: &app.Retention{App: env.App, Keys: env.Keys, Clock: c.now,
		Jobs: retention.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, retention.Projector{}) })}}
}

// runDue lets the projections catch up, then runs the due jobs.
func (p *process) runDue(t *testing.T) int {
	t.Helper()
	p.env.Caught(t, p.rt)
	n, err := p.runner.RunDue(context.Background())
	must(t, err)
	p.env.Caught(t, p.rt)
	return n
}

const secret = "hunter2"

// closedTicket opens a ticket full of personal data and closes it at
// closedAt.
func closedTicket(t *testing.T, env *testenv.AppEnv, c *clock, opener domain.UserID) domain.TicketID {
	t.Helper()
	ctx := context.Background()
	c.t = closedAt.Add(-time.Hour)
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: opener, Category: "help", Topic: "topic " + secret, Answers: []string{"answer " + secret}})
	must(t, err)
	must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: o.Ticket, Channel: 1, Message: domain.MessageID(opener*10 + 1), Author: opener,
		AuthorName: "Mia", At: c.t, Content: "message " + secret}))
	must(t, env.App.Claim(ctx, o.Ticket, staff, app.Meta{}))
	c.t = closedAt
	must(t, env.App.Close(ctx, o.Ticket, staff, "reason "+secret, app.Meta{}))
	return o.Ticket
}

// plaintext lists the documents of the whole database that contain s.
func plaintext(t *testing.T, conn *mongodb.Conn, s string) []string {
	t.Helper()
	ctx := context.Background()
	names, err := conn.DB.ListCollectionNames(ctx, bson.D{})
	must(t, err)
	var found []string
	for _, name := range names {
		cur, err := conn.DB.Collection(name).Find(ctx, bson.D{})
		must(t, err)
		for cur.Next(ctx) {
			j, err := bson.MarshalExtJSON(cur.Current, false, false)
			must(t, err)
			if strings.Contains(string(j), s) {
				found = append(found, name+": "+string(j))
			}
		}
		must(t, cur.Err())
	}
	return found
}

// decodedText is every ticket event of the log decoded by a process that has
// never seen a key before (no cache), joined into one string.
func decodedText(t *testing.T, conn *mongodb.Conn) string {
	t.Helper()
	var b strings.Builder
	for _, e := range testenv.AllEvents(t, testenv.NewAppOn(t, conn)) {
		j, err := json.Marshal(e.Event)
		must(t, err)
		b.Write(j)
	}
	return b.String()
}

func TestTheTranscriptIsDeletedOnDay90AndNeverShowsAgain(t *testing.T) {
	ctx := context.Background()
	conn := testenv.SQLite(t)
	c := &clock{}
	first := start(t, conn, c)
	id := closedTicket(t, first.env, c, 100)

	c.t = day(89).Add(23*time.Hour + 59*time.Minute)
	if n := first.runDue(t); n != 0 {
		t.Fatalf("day 89: %d transcripts expired", n)
	}
	if docs := plaintext(t, conn, secret); len(docs) == 0 {
		t.Fatal("before retention ends the transcript and view should hold the content (the test could not fail otherwise)")
	}
	if !strings.Contains(decodedText(t, conn), secret) {
		t.Fatal("before retention ends the events should decode")
	}

	// The program stops before day 90 and comes back on day 90: the missed
	// window runs at the next start.
	must(t, first.rt.Close())
	c.t = day(90)
	second := start(t, conn, c)
	if n := second.runDue(t); n != 1 {
		t.Fatalf("day 90: %d transcripts expired, want 1", n)
	}

	c.t = day(91)
	if n := second.runDue(t); n != 0 {
		t.Fatalf("day 91: the deletion ran again (%d)", n)
	}
	if docs := plaintext(t, conn, secret); len(docs) != 0 {
		t.Fatalf("day 91: the database still holds the content in plaintext:\n%s", strings.Join(docs, "\n"))
	}
	if text := decodedText(t, conn); strings.Contains(text, secret) {
		t.Fatal("day 91: an event still decodes to the content")
	}

	views := ticketviews.NewReader(func(ctx context.Context) (projections.Target, error) {
		return second.rt.Target(ctx, ticketviews.Projector{})
	})
	v, err := views.Get(ctx, string(id))
	must(t, err)
	if !v.TranscriptExpired || v.Topic != "" || v.CloseReason != "" || len(v.Answers) != 0 {
		t.Fatalf("the view keeps content: %+v", v)
	}
	trs := transcripts.NewReader(func(ctx context.Context) (projections.Target, error) {
		return second.rt.Target(ctx, transcripts.Projector{})
	})
	if _, err := trs.Get(ctx, string(id)); !errors.Is(err, transcripts.ErrExpired) {
		t.Fatalf("transcript on day 91: %v, want ErrExpired", err)
	}

	keys := testenv.Dump(t, second.env, "keys")
	scoped := 0
	for _, k := range keys {
		if strings.Contains(k, `"scope":"`+string(domain.TicketScope(id))+`"`) {
			scoped++
			if !strings.Contains(k, `"destroyed":true`) || strings.Contains(k, `"wrapped"`) {
				t.Fatalf("a key of the ticket survived: %s", k)
			}
		}
	}
	if scoped == 0 {
		t.Fatal("the ticket had no keys of its own")
	}

	timeline := audit.NewReader(func(ctx context.Context) (projections.Target, error) { return second.rt.Target(ctx, audit.Projector{}) })
	page, err := timeline.Timeline(ctx, audit.Query{Guild: g.String(), Ticket: string(id), Limit: 1})
	must(t, err)
	if len(page.Entries) != 1 {
		t.Fatal("the ticket has no timeline")
	}
	receipt := page.Entries[0]
	if receipt.Type != (ticket.TranscriptExpired{}).EventType() || receipt.Source != string(domain.SourceAutomation) ||
		!strings.Contains(receipt.Because, "90 days") || !receipt.At.Equal(day(90)) {
		t.Fatalf("the deletion receipt: %+v", receipt)
	}
}

func TestReopeningCancelsTheDeletionAndClosingAgainRestartsIt(t *testing.T) {
	ctx := context.Background()
	c := &clock{}
	p := start(t, testenv.SQLite(t), c)
	id := closedTicket(t, p.env, c, 100)
	c.t = day(10)
	must(t, p.env.App.Reopen(ctx, id, staff, app.Meta{}))
	c.t = day(20)
	must(t, p.env.App.Close(ctx, id, staff, "", app.Meta{}))

	c.t = day(100)
	if n := p.runDue(t); n != 0 {
		t.Fatalf("90 days after the first close: %d expired, but the ticket was reopened", n)
	}
	tk, err := p.env.App.Ticket(ctx, id)
	must(t, err)
	if tk.TranscriptExpired() {
		t.Fatal("expired")
	}
	c.t = day(110)
	if n := p.runDue(t); n != 1 {
		t.Fatalf("90 days after the second close: %d expired, want 1", n)
	}
}

func TestAServersRetentionMovesItsJobs(t *testing.T) {
	ctx := context.Background()
	c := &clock{}
	p := start(t, testenv.SQLite(t), c)
	setRetention := func(days int) {
		must(t, p.env.App.SetRetention(ctx, g, admin, days, app.Meta{}))
	}
	c.t = closedAt.Add(-2 * time.Hour)
	setRetention(30)
	early := closedTicket(t, p.env, c, 100)
	c.t = day(5)
	setRetention(7)
	if n := p.runDue(t); n != 0 {
		t.Fatalf("day 5 with 7 days' retention: %d expired", n)
	}
	c.t = day(7)
	if n := p.runDue(t); n != 1 {
		t.Fatalf("day 7 with 7 days' retention: %d expired, want 1", n)
	}

	late := closedTicket(t, p.env, c, 200) // closes at closedAt, keeps 7 days
	c.t = day(6)
	setRetention(60)
	c.t = day(59)
	if n := p.runDue(t); n != 0 {
		t.Fatalf("day 59 after extending to 60 days: %d expired", n)
	}
	c.t = day(60)
	if n := p.runDue(t); n != 1 {
		t.Fatalf("day 60: %d expired, want 1", n)
	}
	for _, id := range []domain.TicketID{early, late} {
		tk, err := p.env.App.Ticket(ctx, id)
		must(t, err)
		if !tk.TranscriptExpired() {
			t.Fatalf("ticket %s kept its transcript", id)
		}
	}
}

// TestAKilledDeletionFinishesOnTheNextRun interrupts the runner between
// shredding the keys and writing the receipt.
func TestAKilledDeletionFinishesOnTheNextRun(t *testing.T) {
	ctx := context.Background()
	c := &clock{}
	p := start(t, testenv.SQLite(t), c)
	id := closedTicket(t, p.env, c, 100)
	c.t = day(90)
	n, err := p.env.Keys.DestroyScope(ctx, domain.TicketScope(id), c.t) // the runner's first step, then "kill -9"
	must(t, err)
	if n == 0 {
		t.Fatal("no keys destroyed")
	}
	if got := p.runDue(t); got != 1 {
		t.Fatalf("the next run expired %d, want 1", got)
	}
	tk, err := p.env.App.Ticket(ctx, id)
	must(t, err)
	if !tk.TranscriptExpired() {
		t.Fatal("no receipt")
	}
}

func jobs(t *testing.T, env *testenv.AppEnv, tgt projections.Target) []string {
	return testenv.Dump(t, env, tgt.Collection("retention_jobs"))
}

// scenario leaves one job pending, one expired, one cancelled and a
// retention change.
func scenario(t *testing.T, p *process, c *clock) {
	ctx := context.Background()
	closedTicket(t, p.env, c, 100)
	reopened := closedTicket(t, p.env, c, 200)
	c.t = day(3)
	must(t, p.env.App.Reopen(ctx, reopened, staff, app.Meta{}))
	must(t, p.env.App.SetRetention(ctx, g, admin, 5, app.Meta{}))
	c.t = day(5)
	p.runDue(t)
	closedTicket(t, p.env, c, 300)
	must(t, p.env.App.SetRetention(ctx, g, admin, 40, app.Meta{}))
}

func TestRebuildEqualsLiveAndDeliveryOrderDoesNotMatter(t *testing.T) {
	ctx := context.Background()
	c := &clock{}
	p := start(t, testenv.SQLite(t), c)
	scenario(t, p, c)
	p.env.Caught(t, p.rt)
	live, err := p.rt.Target(ctx, retention.Projector{})
	must(t, err)
	want := jobs(t, p.env, live)
	if len(want) != 1 || !strings.Contains(want[0], fmt.Sprint(day(40).UnixMilli())) {
		t.Fatalf("live jobs: %v", want)
	}
	rebuilt := projections.Target{Conn: p.env.Conn, Generation: 99, Store: p.env.Store}
	_, err = p.rt.Replay(ctx, retention.Projector{}, rebuilt, 0)
	must(t, err)
	if got := jobs(t, p.env, rebuilt); !slices.Equal(got, want) {
		t.Fatalf("rebuilt jobs\n got %v\nwant %v", got, want)
	}

	events := testenv.AllEvents(t, p.env)
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 7))
		order := slices.Clone(events)
		for range len(events) {
			order = append(order, events[rng.IntN(len(events))])
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		tgt := projections.Target{Conn: p.env.Conn, Generation: 10 + int(seed), Store: p.env.Store}
		a, err := retention.Projector{}.Open(ctx, tgt)
		must(t, err)
		for i, e := range order {
			must(t, a.Apply(ctx, e))
			if i%7 == 0 {
				must(t, a.Flush(ctx))
			}
		}
		must(t, a.Flush(ctx))
		if got := jobs(t, p.env, tgt); !slices.Equal(got, want) {
			t.Fatalf("seed %d: jobs\n got %v\nwant %v", seed, got, want)
		}
	}
}

// TestDay91LeavesNothingOnDisk looks at the bytes of the embedded database's
// files after the deletion: freed pages are overwritten (secure_delete), and
// the rest of the content only ever existed as ciphertext whose key is gone.
func TestDay91LeavesNothingOnDisk(t *testing.T) {
	dir := t.TempDir()
	srv, err := embedded.Start(context.Background(), embedded.Config{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	defer srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := mongodb.Connect(ctx, srv.URI(), "ticketify", mongodb.Options{AfterCreate: srv.IndexIDLookups})
	must(t, err)
	c := &clock{}
	p := start(t, conn, c)
	closedTicket(t, p.env, c, 100)
	p.env.Caught(t, p.rt)
	if !onDisk(t, dir, secret) {
		t.Fatal("before the deletion the content should be on disk (the test could not fail otherwise)")
	}
	c.t = day(91)
	if n := p.runDue(t); n != 1 {
		t.Fatalf("%d expired, want 1", n)
	}
	must(t, p.rt.Close())
	must(t, conn.Close(ctx))
	srv.Stop() // checkpoints the write-ahead log into the database file
	if onDisk(t, dir, secret) {
		t.Fatal("the content is still in the data directory's bytes")
	}
}

func onDisk(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() { // the database socket is no file to read
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		found = found || bytes.Contains(b, []byte(s))
		return nil
	})
	must(t, err)
	return found
}
