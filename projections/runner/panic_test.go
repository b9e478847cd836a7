package runner_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
)

// seen records the events a projector or reactor got, and panics on the
// ones a test marks poisonous.
type seen struct {
	mu     sync.Mutex
	events []int64
	poison func(projections.Event) bool
}

func (s *seen) take(e projections.Event) {
	if s.poison(e) {
		var none []int
		_ = none[len(e.Type)] // a runtime panic, as a real bug would be
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e.Position)
}

func (s *seen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

type panicky struct{ *seen }

func (panicky) Name() string          { return "test-panicky" }
func (panicky) Version() int          { return 1 }
func (panicky) Collections() []string { return nil }
func (p panicky) Open(context.Context, projections.Target) (projections.Applier, error) {
	return p, nil
}
func (p panicky) Apply(_ context.Context, e projections.Event) error { p.take(e); return nil }
func (panicky) Flush(context.Context) error                          { return nil }

type panickyReactor struct{ *seen }

func (panickyReactor) Name() string { return "test-panicky-reactor" }
func (r panickyReactor) React(_ context.Context, e projections.Event) error {
	r.take(e)
	return nil
}

// A panicking projector or reactor does not take the process down: the
// panic becomes an error (Watermill's Recoverer), the event is parked with
// the panic's stack, and both go on with the next events.
func TestAPanicParksTheEventAndTheProjectorGoesOn(t *testing.T) {
	env := testenv.NewApp(t)
	ctx := context.Background()
	poisonTopic := func(e projections.Event) bool { return e.Type == "ticket.opened.v1" }
	p := panicky{&seen{poison: poisonTopic}}
	re := panickyReactor{&seen{poison: poisonTopic}}
	rt := env.ProjectionsAndReactors(t, []projections.Reactor{re}, p)

	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: 9, Opener: 1, Topic: "help"})
	if err != nil {
		t.Fatal(err)
	}
	by := staffOf(9)
	if err := env.App.Claim(ctx, o.Ticket, by, app.Meta{}); err != nil {
		t.Fatal(err)
	}
	env.Caught(t, rt)
	testenv.Eventually(t, 10*time.Second, "the reactor to go past the poison event", func() bool {
		return re.count() >= 2
	})
	parked, err := rt.Parked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byWho := map[string]runner.ParkedEvent{}
	for _, pe := range parked {
		byWho[pe.Projector] = pe
	}
	for _, name := range []string{p.Name(), re.Name()} {
		pe, ok := byWho[name]
		if !ok {
			t.Fatalf("%s parked nothing; parked: %+v", name, parked)
		}
		if pe.Type != "ticket.opened.v1" || !strings.Contains(pe.Error, "panic: runtime error: index out of range") || !strings.Contains(pe.Error, "panic_test.go") {
			t.Fatalf("%s parked %s with %q, want the opened event with the panic and its stack", name, pe.Type, pe.Error)
		}
	}
	if p.count() == 0 {
		t.Fatal("the projector applied nothing after the panic")
	}
	if err := rt.Health(); err != nil {
		t.Fatalf("the runtime stopped: %v", err)
	}
}

func staffOf(g domain.GuildID) ticket.Participant {
	return ticket.Participant{User: 2, Staff: true, Guild: g}
}

// The same holds when the panicking event is met by the catch-up at Start
// (a projector far behind the log after downtime) rather than by live
// delivery: Start succeeds, the event is parked, the rest is applied.
func TestAPanicDuringTheCatchUpAtStartParksTheEvent(t *testing.T) {
	env := testenv.NewApp(t)
	ctx := context.Background()
	for u := range 300 { // more commits than the catch-up threshold
		if _, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: 9, Opener: domain.UserID(u + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	p := panicky{&seen{poison: func(e projections.Event) bool {
		return e.Type == "ticket.opened.v1" && e.Version == 1 && e.Position < 20
	}}}
	rt := env.Projections(t, p) // Start catches up in one pass, and must not panic
	env.Caught(t, rt)
	parked, err := rt.Parked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) == 0 || !strings.Contains(parked[0].Error, "panic: runtime error") {
		t.Fatalf("parked %+v, want the panicking events", parked)
	}
	if p.count() < 300 {
		t.Fatalf("the projector applied %d events after the panics", p.count())
	}
}
