package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
)

// dyingNumbers is the sequence of a process that dies right after claiming
// a number: the claim is stored, the open goes no further.
type dyingNumbers struct {
	app.Numbers
	die bool
}

var errKilled = errors.New("killed")

func (d *dyingNumbers) Claim(ctx context.Context, key, claimant string) (int64, error) {
	n, err := d.Numbers.Claim(ctx, key, claimant)
	if err == nil && d.die {
		d.die = false
		return 0, errKilled
	}
	return n, err
}

// An open that died after reserving the slot and claiming the number, run
// again with the same command id (Discord delivering the interaction
// again), completes with that slot and that number: one ticket, no gap.
func TestARedeliveredOpenReusesTheNumberItsFirstAttemptClaimed(t *testing.T) {
	onEveryStore(t, redeliveredOpen)
}

func redeliveredOpen(t *testing.T, store *eventstore.Store, seq app.Numbers) {
	ctx := context.Background()
	numbers := &dyingNumbers{Numbers: seq, die: true}
	a := app.New(store, numbers, nil)
	cmd := app.OpenTicket{Guild: g, Opener: member, Topic: "help", Meta: app.Meta{CommandID: "interaction-1"}}
	if _, err := a.OpenTicket(ctx, cmd); !errors.Is(err, errKilled) {
		t.Fatalf("first attempt: %v, want it killed", err)
	}
	again, err := a.OpenTicket(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if again.Number != 1 || !again.Again {
		t.Fatalf("the redelivered open got number %d (again %v), want number 1 from its first attempt", again.Number, again.Again)
	}
	twice, err := a.OpenTicket(ctx, cmd)
	if err != nil || twice.Ticket != again.Ticket || twice.Number != 1 {
		t.Fatalf("a third delivery: %+v %v, want the same ticket", twice, err)
	}
	next, err := a.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: member + 1, Meta: app.Meta{CommandID: "interaction-2"}})
	if err != nil || next.Number != 2 {
		t.Fatalf("the next open got %+v, %v; want number 2", next, err)
	}
	tk, err := a.Ticket(ctx, again.Ticket)
	if err != nil || tk.Number() != 1 || tk.Opener() != member {
		t.Fatalf("ticket %+v, %v", tk, err)
	}
}
