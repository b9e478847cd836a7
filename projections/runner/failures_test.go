package runner_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// failing fails on the events it picks, as fail says for each attempt
// (from 1), and records every attempt and every event applied.
type failing struct {
	name string
	fail func(e projections.Event, attempt int) error

	mu       sync.Mutex
	attempts map[int64]int
	applied  map[int64]bool
}

func newFailing(name string, fail func(projections.Event, int) error) *failing {
	return &failing{name: name, fail: fail, attempts: map[int64]int{}, applied: map[int64]bool{}}
}

func (f *failing) Name() string          { return f.name }
func (f *failing) Version() int          { return 1 }
func (f *failing) Collections() []string { return nil }
func (f *failing) Open(context.Context, projections.Target) (projections.Applier, error) {
	return f, nil
}
func (f *failing) Flush(context.Context) error { return nil }

func (f *failing) Apply(_ context.Context, e projections.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[e.Position]++
	if err := f.fail(e, f.attempts[e.Position]); err != nil {
		return err
	}
	f.applied[e.Position] = true
	return nil
}

func (f *failing) React(ctx context.Context, e projections.Event) error { return f.Apply(ctx, e) }

// tries returns the attempts at the first event of type typ, and whether it
// was applied.
func (f *failing) tries(typ string, events []projections.Event) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range events {
		if e.Type == typ {
			return f.attempts[e.Position], f.applied[e.Position]
		}
	}
	return 0, false
}

const opened = "ticket.opened.v1"

func openOne(t *testing.T, env *testenv.AppEnv, opener domain.UserID) {
	t.Helper()
	if _, err := env.App.OpenTicket(context.Background(), app.OpenTicket{Guild: 9, Opener: opener, Topic: "help"}); err != nil {
		t.Fatal(err)
	}
}

// A database outage is not poison: the event is nacked and delivered again
// for as long as the outage lasts — more often than the attempts that would
// park any other failure — and applied once the database answers.
func TestAnOutageIsNotPoisonTheEventWaitsForTheDatabase(t *testing.T) {
	env := testenv.NewApp(t)
	p := newFailing("test-outage", func(e projections.Event, attempt int) error {
		if e.Type == opened && attempt <= 5 {
			return fmt.Errorf("load ticket: %w", eventstore.ErrUnavailable)
		}
		return nil
	})
	rt := env.Projections(t, p)
	openOne(t, env, 1)
	env.Caught(t, rt)
	tries, applied := p.tries(opened, testenv.AllEvents(t, env))
	if tries != 6 || !applied {
		t.Fatalf("the event was tried %d times (applied: %v), want 5 failures during the outage and then applied", tries, applied)
	}
	if parked, err := rt.Parked(context.Background()); err != nil || len(parked) != 0 {
		t.Fatalf("parked %+v, %v: an outage parked an event", parked, err)
	}
}

// Any other error is retried, and an event that then applies is not parked.
func TestAFailureThatPassesIsRetriedAndNotParked(t *testing.T) {
	env := testenv.NewApp(t)
	p := newFailing("test-once", func(e projections.Event, attempt int) error {
		if e.Type == opened && attempt == 1 {
			return errors.New("a hiccup")
		}
		return nil
	})
	rt := env.Projections(t, p)
	openOne(t, env, 1)
	env.Caught(t, rt)
	if tries, applied := p.tries(opened, testenv.AllEvents(t, env)); tries != 2 || !applied {
		t.Fatalf("the event was tried %d times (applied: %v), want 2 and applied", tries, applied)
	}
	if parked, err := rt.Parked(context.Background()); err != nil || len(parked) != 0 {
		t.Fatalf("parked %+v, %v", parked, err)
	}
}

// An error that persists is tried three times, then the event is parked
// with the error, and the projector goes on with the next events.
func TestAFailureThatPersistsIsTriedThreeTimesThenParked(t *testing.T) {
	env := testenv.NewApp(t)
	p := newFailing("test-always", func(e projections.Event, attempt int) error {
		if o, ok := e.Event.(ticket.Opened); ok && o.Opener == 1 {
			return errors.New("cannot apply this one")
		}
		return nil
	})
	rt := env.Projections(t, p)
	openOne(t, env, 1)
	openOne(t, env, 2) // events after the poisoned one
	env.Caught(t, rt)
	events := testenv.AllEvents(t, env)
	if tries, applied := p.tries(opened, events); tries != 3 || applied {
		t.Fatalf("the event was tried %d times (applied: %v), want 3 and parked", tries, applied)
	}
	parked, err := rt.Parked(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 1 || parked[0].Projector != p.Name() || parked[0].Type != opened || parked[0].Error != "cannot apply this one" {
		t.Fatalf("parked %+v, want the opened event with its error", parked)
	}
	if counts, err := rt.ParkedCount(context.Background()); err != nil || len(counts) != 1 || counts[p.Name()] != 1 {
		t.Fatalf("parked counts %v (%v), want one for %s", counts, err, p.Name())
	}
	last := events[len(events)-1]
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.applied[last.Position] {
		t.Fatalf("the projector did not go on to the last event (%s at %d)", last.Type, last.Position)
	}
}

type failingReactor struct{ *failing }

func (r failingReactor) Name() string { return r.name }

// A reactor's error means "try again later": the event is delivered again,
// not parked.
func TestAReactorErrorIsDeliveredAgainNotParked(t *testing.T) {
	env := testenv.NewApp(t)
	re := failingReactor{newFailing("test-reactor-later", func(e projections.Event, attempt int) error {
		if e.Type == opened && attempt == 1 {
			return errors.New("Discord said 503")
		}
		return nil
	})}
	rt := env.ProjectionsAndReactors(t, []projections.Reactor{re})
	openOne(t, env, 1)
	events := testenv.AllEvents(t, env)
	testenv.Eventually(t, 10*time.Second, "the reactor to react again", func() bool {
		_, applied := re.tries(opened, events)
		return applied
	})
	if tries, _ := re.tries(opened, events); tries != 2 {
		t.Fatalf("the reactor was handed the event %d times, want 2", tries)
	}
	if parked, err := rt.Parked(context.Background()); err != nil || len(parked) != 0 {
		t.Fatalf("parked %+v, %v: a reactor's error parked its event", parked, err)
	}
}

// halfway counts events into one document, guarded by the positions it has
// seen — as real projectors guard by versions — and fails once, with the
// database "unavailable", after changing its buffered count but before
// recording the event as seen.
type halfway struct {
	fail   int64  // the event position to fail at, once
	how    string // "unavailable", "error" or "panic"
	failed atomic.Bool
	target *projections.Target
}

type countDoc struct {
	ID   string  `bson:"_id"`
	N    int     `bson:"n"`
	Seen []int64 `bson:"seen"`
}

func (*halfway) Name() string          { return "halfway" }
func (*halfway) Version() int          { return 1 }
func (*halfway) Collections() []string { return []string{"halfway"} }
func (h *halfway) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	h.target = &t
	coll, err := t.Conn.Collection(ctx, t.Collection("halfway"))
	if err != nil {
		return nil, err
	}
	return &halfwayApplier{h: h, docs: projections.NewDocs(coll, t)}, nil
}

type halfwayApplier struct {
	h    *halfway
	docs *projections.Docs
}

func (a *halfwayApplier) Apply(ctx context.Context, e projections.Event) error {
	d, err := projections.Load(ctx, a.docs, "n", func() *countDoc { return &countDoc{ID: "n", Seen: []int64{}} })
	if err != nil {
		return err
	}
	if slices.Contains(d.Seen, e.Position) {
		return nil
	}
	d.N++
	a.docs.Changed("n")
	if e.Position == a.h.fail && a.h.failed.CompareAndSwap(false, true) {
		switch a.h.how {
		case "panic":
			panic("halfway")
		case "error":
			return errors.New("halfway: a bug that passes")
		}
		return fmt.Errorf("halfway: %w", eventstore.ErrUnavailable)
	}
	d.Seen = append(d.Seen, e.Position)
	return nil
}

func (a *halfwayApplier) Flush(ctx context.Context) error { return a.docs.Flush(ctx) }

// An event a projector failed halfway is never tried again on top of its
// half-changed buffer: the projector is opened afresh and the events since
// the last checkpoint are delivered again. After the database went away, or
// an error that passes, the event is counted once; after a panic it is
// parked at its next delivery, without being applied to the fresh projector
// — never half of it.
func TestAnEventFailedHalfwayIsAppliedOnceToAFreshConsumer(t *testing.T) {
	for _, how := range []string{"unavailable", "error", "panic"} {
		t.Run(how, func(t *testing.T) {
			env := testenv.NewApp(t)
			for i := range 3 {
				openOne(t, env, domain.UserID(700+i))
			}
			h := &halfway{fail: env.Head(t) + 2, how: how}
			rt := env.Projections(t, h)
			for i := range 3 {
				openOne(t, env, domain.UserID(800+i))
			}
			env.Caught(t, rt)
			if !h.failed.Load() {
				t.Fatal("the projector never failed: the test tests nothing")
			}
			var d countDoc
			if err := env.Conn.DB.Collection(h.target.Collection("halfway")).FindOne(context.Background(), bson.D{{Key: "_id", Value: "n"}}).Decode(&d); err != nil {
				t.Fatal(err)
			}
			want := len(testenv.AllEvents(t, env))
			parked, err := rt.Parked(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if how == "panic" {
				want--
				if len(parked) != 1 || parked[0].Position != h.fail {
					t.Errorf("parked %+v, want the event at %d", parked, h.fail)
				}
			} else if len(parked) != 0 {
				t.Errorf("parked %+v, want none", parked)
			}
			if d.N != want || len(d.Seen) != want {
				t.Errorf("counted %d events (%d seen), want %d: an event failed halfway was applied on top of itself", d.N, len(d.Seen), want)
			}
		})
	}
}
