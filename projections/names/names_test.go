package names_test

import (
	"context"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	domainprivacy "github.com/ticketify/ticketify/domain/privacy"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/names"
	"github.com/ticketify/ticketify/projections/runner"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	ann domain.UserID = 100 // renames herself
	bo  domain.UserID = 200 // erased, then seen again
	cy  domain.UserID = 300 // erased
	dee domain.UserID = 400 // a server she is in is erased
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func as(u domain.UserID) app.Meta {
	return app.Meta{Actor: domain.Actor{User: u, Source: domain.SourceDashboard}}
}

// scenario records profiles and erasures. The runtime, when given, catches
// up before each erasure, so the live projection has shown the names the
// erasures then remove (a rebuild never decodes them).
func scenario(t *testing.T, env *testenv.AppEnv, rt *runner.Runtime) {
	t.Helper()
	ctx := context.Background()
	caught := func() {
		if rt != nil {
			env.Caught(t, rt)
		}
	}
	observe := func(u domain.UserID, username, global string) {
		must(t, env.App.ObserveProfile(ctx, u, profile.Personal{Username: username, GlobalName: global}, as(u)))
	}
	observe(ann, "ann-user", "")
	must(t, env.App.RecordLogin(ctx, ann, as(ann)))
	observe(ann, "ann-user", "Ann Renamed")
	observe(bo, "bo-first-username", "Bo First Display")
	observe(cy, "cy-secret-username", "")
	observe(dee, "dee-user", "Dee")
	must(t, env.App.RecordLogin(ctx, bo, as(bo)))
	caught()
	eraser := &privacy.Eraser{App: env.App, Keys: env.Keys, Clock: time.Now, Logger: slog.New(slog.DiscardHandler)}
	for _, u := range []domain.UserID{bo, cy} {
		_, err := eraser.EraseUser(ctx, u, as(u))
		must(t, err)
	}
	observe(bo, "bo-again", "Bo Again") // a new key: readable
	// A server's erasure destroys its tickets' keys, not profiles.
	id, err := env.App.RequestErasure(ctx, "guild:77", as(dee))
	must(t, err)
	must(t, env.App.CompleteErasure(ctx, domainprivacy.GuildErased{Request: id, Guild: 77, At: time.Now()}, id, as(dee)))
}

func reader(rt *runner.Runtime) *names.Reader {
	return names.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, names.Projector{}) })
}

func TestNamesAreTheLatestSnapshotAndAnErasureRemovesThem(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, names.Projector{})
	ctx := context.Background()
	must(t, env.App.ObserveProfile(ctx, cy, profile.Personal{Username: "cy-secret-username"}, as(cy)))
	env.Caught(t, rt)
	if got, err := reader(rt).Names(ctx, cy.String()); err != nil || got[cy.String()] != "cy-secret-username" {
		t.Fatalf("before the erasure: %v %v", got, err)
	}
	scenario(t, env, rt)
	env.Caught(t, rt)
	got, err := reader(rt).Names(ctx, ann.String(), bo.String(), cy.String(), dee.String(), "500", "not-a-user", "")
	must(t, err)
	want := map[string]string{ann.String(): "Ann Renamed", bo.String(): "Bo Again", dee.String(): "Dee"}
	if !maps.Equal(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	live, err := rt.Target(ctx, names.Projector{})
	must(t, err)
	stored := strings.Join(testenv.Dump(t, env, live.Collection("display_names")), "\n")
	for _, erased := range []string{"cy-secret-username", "Bo First Display", "bo-first-username"} {
		if strings.Contains(stored, erased) {
			t.Fatalf("after the erasures the names still hold %q:\n%s", erased, stored)
		}
	}
}

func TestAReaderShowsANewNameOnceForgotten(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, names.Projector{})
	ctx := context.Background()
	r := reader(rt)
	must(t, env.App.ObserveProfile(ctx, ann, profile.Personal{Username: "ann-user"}, as(ann)))
	env.Caught(t, rt)
	if got, _ := r.Names(ctx, ann.String()); got[ann.String()] != "ann-user" {
		t.Fatalf("names %v", got)
	}
	must(t, env.App.ObserveProfile(ctx, ann, profile.Personal{Username: "ann-user", GlobalName: "Ann Renamed"}, as(ann)))
	env.Caught(t, rt)
	if got, _ := r.Names(ctx, ann.String()); got[ann.String()] != "ann-user" {
		t.Fatalf("a remembered name was read again: %v", got)
	}
	r.Forget(ann)
	if got, _ := r.Names(ctx, ann.String()); got[ann.String()] != "Ann Renamed" {
		t.Fatalf("after Forget: %v", got)
	}
}

func TestRebuildEqualsLive(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, names.Projector{})
	scenario(t, env, rt)
	env.Caught(t, rt)
	ctx := context.Background()
	live, err := rt.Target(ctx, names.Projector{})
	must(t, err)
	rebuilt := projections.Target{Conn: env.Conn, Generation: 99, Store: env.Store}
	_, err = rt.Replay(ctx, names.Projector{}, rebuilt, 0)
	must(t, err)
	for _, c := range (names.Projector{}).Collections() {
		a, b := testenv.Dump(t, env, live.Collection(c)), testenv.Dump(t, env, rebuilt.Collection(c))
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Fatalf("%s: live and rebuilt differ\nlive:    %v\nrebuilt: %v", c, a, b)
		}
	}
}

// TestDuplicatedAndShuffledDeliveryGiveTheSameNames is a property test: for
// many random orders of the log's events, each possibly delivered several
// times, the names equal those of one in-order delivery.
func TestDuplicatedAndShuffledDeliveryGiveTheSameNames(t *testing.T) {
	env := testenv.NewApp(t)
	scenario(t, env, nil)
	ctx := context.Background()
	events := testenv.AllEvents(t, env)
	apply := func(gen int, order []projections.Event) projections.Target {
		tgt := projections.Target{Conn: env.Conn, Generation: gen, Store: env.Store}
		a, err := names.Projector{}.Open(ctx, tgt)
		must(t, err)
		for i, e := range order {
			must(t, a.Apply(ctx, e))
			if i%5 == 0 {
				must(t, a.Flush(ctx))
			}
		}
		must(t, a.Flush(ctx))
		return tgt
	}
	want := apply(1, events)
	if len(testenv.Dump(t, env, want.Collection("display_names"))) == 0 {
		t.Fatal("the in-order delivery wrote no names: the test would prove nothing")
	}
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 11))
		order := slices.Clone(events)
		for range len(events) / 2 {
			order = append(order, events[rng.IntN(len(events))])
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		got := apply(int(seed)+2, order)
		for _, c := range (names.Projector{}).Collections() {
			if a, b := testenv.Dump(t, env, want.Collection(c)), testenv.Dump(t, env, got.Collection(c)); !slices.Equal(a, b) {
				t.Fatalf("seed %d: %s differ\nin order: %v\nshuffled: %v", seed, c, a, b)
			}
		}
	}
}

// TestASnapshotFromBeforeAnErasureNeverShowsAgain delivers, after a
// person's erasure receipt, a snapshot recorded before it that still
// decodes — as in a process whose key cache has not yet seen the key's
// destruction. The name must stay gone.
func TestASnapshotFromBeforeAnErasureNeverShowsAgain(t *testing.T) {
	env := testenv.NewApp(t)
	ctx := context.Background()
	tgt := projections.Target{Conn: env.Conn, Generation: 1, Store: env.Store}
	a, err := names.Projector{}.Open(ctx, tgt)
	must(t, err)
	stale := projections.Event{Envelope: eventstore.Envelope{Stream: profile.Stream(cy), Version: 1, Position: 10},
		Event: profile.Observed{User: cy, Personal: profile.Personal{Username: "cy-secret-username"}}}
	receipt := projections.Event{Envelope: eventstore.Envelope{Stream: domainprivacy.Stream, Version: 2, Position: 20},
		Event: domainprivacy.UserErased{Request: "r1", User: cy}}
	later := projections.Event{Envelope: eventstore.Envelope{Stream: profile.Stream(cy), Version: 2, Position: 30},
		Event: profile.Observed{User: cy, Personal: profile.Personal{Username: "cy-new"}}}
	must(t, a.Apply(ctx, receipt))
	must(t, a.Apply(ctx, stale))
	must(t, a.Flush(ctx))
	r := names.NewReader(func(context.Context) (projections.Target, error) { return tgt, nil })
	if got, err := r.Names(ctx, cy.String()); err != nil || len(got) != 0 {
		t.Fatalf("a snapshot from before the erasure shows: %v %v", got, err)
	}
	must(t, a.Apply(ctx, later))
	must(t, a.Flush(ctx))
	r.Forget(cy)
	if got, err := r.Names(ctx, cy.String()); err != nil || got[cy.String()] != "cy-new" {
		t.Fatalf("a snapshot from after the erasure does not show: %v %v", got, err)
	}
}
