package privacy_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/subjects"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// What Mia wrote and what Discord showed of her: none of it may survive
// her erasure, anywhere in the database.
var miasData = []string{"my corrected secret topic", "mia-unique-username", "Mia Unique Display", "avatarhash0123456789", "my secret printer topic",
	"my secret answer", "mia's first message", "mia's edited message", "mia's close reason", "mias-typed-channel-name"}

type world struct {
	env    *testenv.AppEnv
	rt     *runner.Runtime
	eraser *privacy.Eraser
	x      *privacy.Exporter
	mine   domain.TicketID // opened by Mia
	bos    domain.TicketID // opened by Bo, Mia wrote in it
}

func erasureWorld(t *testing.T) *world {
	t.Helper()
	env := testenv.NewApp(t)
	rt := env.Projections(t, ticketviews.Projector{}, transcripts.Projector{}, subjects.Projector{})
	ctx := context.Background()
	as := func(u domain.UserID) app.Meta {
		return app.Meta{Actor: domain.Actor{User: u, Source: domain.SourceSlashCommand}}
	}
	must(t, env.App.ObserveProfile(ctx, mia, profile.Personal{Username: "mia-unique-username", GlobalName: "Mia Unique Display", Avatar: "avatarhash0123456789"}, as(mia)))
	must(t, env.App.ObserveProfile(ctx, bo, profile.Personal{Username: "bo-username"}, as(bo)))
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: mia, Topic: "my secret printer topic", Meta: as(mia)})
	must(t, err)
	ob, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: bo, Topic: "bo's topic", Meta: as(bo)})
	must(t, err)
	must(t, env.App.CorrectTopic(ctx, o.Ticket, ticket.Participant{User: staff, Staff: true, Guild: g}, "my corrected secret topic", as(staff)))
	post := func(id domain.TicketID, msg domain.MessageID, author domain.UserID, name, content string) {
		avatar := "bo-avatar"
		if author == mia {
			avatar = "avatarhash0123456789"
		}
		must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: id, Channel: 1, Message: msg, Author: author,
			AuthorName: name, Avatar: avatar, At: time.Now(), Content: content}))
	}
	post(o.Ticket, 1, mia, "Mia Unique Display", "mia's first message")
	must(t, env.App.RecordMessageEdited(ctx, g, o.Ticket, 1, mia, "mia's edited message", nil, time.Now()))
	post(o.Ticket, 2, bo, "bo", "bo's words stay")
	post(ob.Ticket, 3, mia, "Mia Unique Display", "mia's first message")
	miaP := ticket.Participant{User: mia, Guild: g}
	must(t, env.App.Close(ctx, o.Ticket, miaP, "mia's close reason", as(mia)))
	staffP := ticket.Participant{User: mia, Staff: true, Guild: g} // Mia is staff in Bo's ticket and renames it
	must(t, env.App.Rename(ctx, ob.Ticket, staffP, "mias-typed-channel-name", as(mia)))
	env.Caught(t, rt)
	target := func(p projections.Projector) func(ctx context.Context) (projections.Target, error) {
		return func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, p) }
	}
	sessions := env.Conn.DB.Collection("sessions")
	_, err = sessions.InsertOne(ctx, bson.D{{Key: "_id", Value: "s1"}, {Key: "user", Value: mia.String()}, {Key: "username", Value: "mia-unique-username"}})
	must(t, err)
	w := &world{env: env, rt: rt, mine: o.Ticket, bos: ob.Ticket}
	w.eraser = &privacy.Eraser{App: env.App, Keys: env.Keys, Index: subjects.NewReader(target(subjects.Projector{})),
		Sync: rt.WaitCaughtUp, Clock: time.Now, Logger: slog.New(slog.DiscardHandler),
		DeleteSessions: func(ctx context.Context, u domain.UserID) error {
			_, err := sessions.DeleteMany(ctx, bson.D{{Key: "user", Value: u.String()}})
			return err
		}}
	w.x = &privacy.Exporter{Codec: env.Store.Codec(), Clock: time.Now, Index: subjects.NewReader(target(subjects.Projector{}))}
	return w
}

// dumpAll is every document of every collection, raw.
func dumpAll(t *testing.T, env *testenv.AppEnv) string {
	t.Helper()
	ctx := context.Background()
	names, err := env.Conn.DB.ListCollectionNames(ctx, bson.D{})
	must(t, err)
	var b strings.Builder
	for _, n := range names {
		cur, err := env.Conn.DB.Collection(n).Find(ctx, bson.D{})
		must(t, err)
		var docs []bson.Raw
		must(t, cur.All(ctx, &docs))
		for _, d := range docs {
			j, _ := bson.MarshalExtJSON(d, false, false)
			b.WriteString(n + " ")
			b.Write(j)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestAfterErasureNothingOfThePersonIsLeftAnywhere(t *testing.T) {
	w := erasureWorld(t)
	ctx := context.Background()
	before := dumpAll(t, w.env)
	if !strings.Contains(before, "mia-unique-username") { // the views and the session hold her data now
		t.Fatal("the scenario left no plaintext to erase: the test would prove nothing")
	}
	r, err := w.eraser.EraseUser(ctx, mia, app.Meta{Actor: domain.Actor{User: mia, Source: domain.SourceCLI}})
	must(t, err)
	if r.Tickets != 2 {
		t.Fatalf("erasure touched %d tickets, want 2", r.Tickets)
	}
	w.env.Caught(t, w.rt)
	after := dumpAll(t, w.env)
	for _, s := range miasData {
		if strings.Contains(after, s) {
			line := after[strings.LastIndex(after[:strings.Index(after, s)], "\n")+1:]
			t.Fatalf("after erasure the database still holds %q:\n%.400s", s, line)
		}
	}
	if !strings.Contains(after, "bo's words stay") { // his decrypted copy in Mia's transcript stays
		t.Fatal("the erasure scrubbed someone else's data too")
	}
	// What the views show now.
	views := ticketviews.NewReader(func(ctx context.Context) (projections.Target, error) {
		return w.rt.Target(ctx, ticketviews.Projector{})
	})
	v, err := views.Get(ctx, string(w.mine))
	must(t, err)
	if v.Topic != "" || v.CloseReason != "" || !v.Erased {
		t.Fatalf("Mia's ticket view after erasure: %+v", v)
	}
	if vb, _ := views.Get(ctx, string(w.bos)); vb.Name != ticket.DefaultName(vb.Number) || vb.Topic != "bo's topic" {
		t.Fatalf("Bo's ticket after Mia's erasure: name %q topic %q", vb.Name, vb.Topic)
	}
	trs := transcripts.NewReader(func(ctx context.Context) (projections.Target, error) {
		return w.rt.Target(ctx, transcripts.Projector{})
	})
	tr, err := trs.Get(ctx, string(w.mine))
	must(t, err)
	for _, en := range tr.Entries {
		if en.Author == mia.String() && (!en.Erased || en.Content != "") {
			t.Fatalf("Mia's message survived in the transcript: %+v", en)
		}
		if en.Author == bo.String() && en.Content != "bo's words stay" {
			t.Fatalf("Bo's message was touched: %+v", en)
		}
	}
	// Her export now says what was erased.
	e := export(t, w.x, mia, time.Time{})
	if e.Manifest.Erased == 0 || e.Manifest.Included[privacy.SectionMessages] != 3 {
		t.Fatalf("export after erasure: %+v", e.Manifest)
	}
	for _, rec := range e.bySect[privacy.SectionMessages] {
		if !rec.Erased || !strings.Contains(string(rec.Event), "[erased]") {
			t.Fatalf("an erased message in the export: %s", rec.Event)
		}
	}
	// And a rebuild from the log gives exactly the scrubbed views.
	for _, p := range []projections.Projector{ticketviews.Projector{}, transcripts.Projector{}} {
		live, err := w.rt.Target(ctx, p)
		must(t, err)
		rebuilt := projections.Target{Conn: w.env.Conn, Generation: 77, Store: w.env.Store}
		_, err = w.rt.Replay(ctx, p, rebuilt, 0)
		must(t, err)
		for _, c := range p.Collections() {
			a, b := testenv.Dump(t, w.env, live.Collection(c)), testenv.Dump(t, w.env, rebuilt.Collection(c))
			if !slices.Equal(a, b) {
				t.Fatalf("%s after erasure: live and rebuilt differ\nlive:    %v\nrebuilt: %v", c, a, b)
			}
		}
	}
}

func TestAnErasureKilledMidwayIsFinishedOnceAtTheNextStart(t *testing.T) {
	w := erasureWorld(t)
	ctx := context.Background()
	// The process recorded the request, destroyed the keys and died.
	id, err := w.env.App.RequestErasure(ctx, "user:"+mia.String(), app.Meta{})
	must(t, err)
	_, err = w.env.Keys.DestroySubject(ctx, mia, time.Now())
	must(t, err)
	n, err := w.eraser.ResumePending(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("resumed %d erasures, want 1", n)
	}
	if n, err := w.eraser.ResumePending(ctx); err != nil || n != 0 {
		t.Fatalf("a second start resumed %d (%v)", n, err)
	}
	h, err := w.env.Store.Load(ctx, "privacy/erasures")
	must(t, err)
	var receipts int
	for _, e := range h.Events {
		if r, ok := e.(interface{ EventType() string }); ok && r.EventType() == "privacy.user_erased.v1" {
			receipts++
		}
	}
	if receipts != 1 {
		t.Fatalf("%d receipts for request %s, want 1", receipts, id)
	}
	w.env.Caught(t, w.rt)
	if after := dumpAll(t, w.env); strings.Contains(after, "mia's first message") || strings.Contains(after, "mia-unique-username") {
		t.Fatal("the resumed erasure left plaintext")
	}
	// Erasing again is harmless.
	if _, err := w.eraser.EraseUser(ctx, mia, app.Meta{}); err != nil {
		t.Fatal(err)
	}
}

func TestAGuildErasureScrubsEveryTicketOfTheServer(t *testing.T) {
	w := erasureWorld(t)
	ctx := context.Background()
	r, err := w.eraser.EraseGuild(ctx, g, app.Meta{Actor: domain.Actor{Source: domain.SourceCLI}})
	must(t, err)
	if r.Tickets != 2 {
		t.Fatalf("guild erasure touched %d tickets", r.Tickets)
	}
	w.env.Caught(t, w.rt)
	after := dumpAll(t, w.env)
	for _, s := range []string{"bo's words stay", "bo's topic", "my secret printer topic", "mia's first message", "mia's close reason"} {
		if strings.Contains(after, s) {
			t.Fatalf("after the server's erasure the database holds %q", s)
		}
	}
}
