package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/eventmsg"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/platform/panics"
)

// middleware returns the router middleware of reactors' handlers,
// outermost first, and the innermost of projectors' (parkAfterAttempts
// goes around it, one per consumer group).
//
// A projector's failure:
//   - a panic (Watermill's Recoverer) is parked at its next delivery: it
//     would panic again;
//   - a transient failure (the database did not answer) is not poison: the
//     event is delivered again however long the outage lasts;
//   - anything else is tried Attempts times, then parked, and the projector
//     moves on.
//
// Every failed attempt is a nack, and the subscriber delivers again from the
// last checkpoint to a projector opened afresh (ConsumerGroup.Rewind): an
// Apply that failed halfway may have changed what the projector buffers, so
// it is never tried again on top of itself. That is why projectors do not
// use Watermill's Retry and PoisonQueue, which retry in place and ack the
// parked message over the half-changed buffer; parkAfterAttempts counts the
// attempts across deliveries instead, and parks through the same parking.
//
// A reactor's: a panic is parked (PoisonQueue); any other error means "try
// again later" (a nack; the subscriber delivers it again after its
// Redelivery), since a reactor records permanent failures itself and
// buffers nothing.
//
// Either way a panic never takes the process down, and so never crash-loops
// it from an unmoved checkpoint.
func (r *Runtime) middleware() (projector, reactor []message.HandlerMiddleware, err error) {
	reactorPoison, err := middleware.PoisonQueueWithFilter(r.parking, ParkedCollection, isPanic)
	if err != nil {
		return nil, nil, err
	}
	return []message.HandlerMiddleware{classify, middleware.Recoverer},
		[]message.HandlerMiddleware{reactorPoison, classify, middleware.Recoverer}, nil
}

// failure is what a consumer group's earlier attempts at an event ended with.
type failure struct {
	attempts int
	reason   string
	panicked bool
}

// parkAfterAttempts parks an event a projector failed on Attempts times (or
// once, by a panic) when it is delivered again — without applying it to the
// fresh projector — and counts the failures of the others.
func (r *Runtime) parkAfterAttempts(g *group) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			env, err := eventmsg.ToEnvelope(msg)
			if err != nil { // not an event of the log: nothing to apply, nothing applied
				env = eventstore.Envelope{Record: eventstore.Record{ID: msg.UUID}}
				return nil, r.parking.park(msg.Context(), g.name, env, err.Error())
			}
			g.mu.Lock()
			f, failed := g.failures[env.Position]
			g.mu.Unlock()
			if failed && (f.panicked || f.attempts >= r.cfg.Attempts) {
				if err := r.parking.park(msg.Context(), g.name, env, f.reason); err != nil {
					return nil, err // delivered again
				}
				g.forget(env.Position)
				return nil, nil
			}
			out, err := h(msg)
			switch {
			case err == nil:
				if failed {
					g.forget(env.Position)
				}
			case transient(err):
				// the database's, not the event's: not an attempt
			default:
				g.mu.Lock()
				if g.failures == nil {
					g.failures = map[int64]failure{}
				}
				f.attempts++
				f.reason, f.panicked = err.Error(), isPanic(err) || errors.As(err, new(permanent))
				g.failures[env.Position] = f
				g.mu.Unlock()
			}
			return out, err
		}
	}
}

// classify readies a failure for the filters of Retry and PoisonQueue. It
// is our own middleware because Watermill's Recoverer keeps the panic's value
// in its error's message, which PoisonQueue would park: a value built by code
// could hold the event's personal data, so the panic becomes a panicked
// (see there). And an error met while the message's context was ending (the
// runtime stopping) is the shutdown's, not the event's: it carries the
// context's error, which makes it transient.
func classify(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		var rec middleware.RecoveredPanicError
		switch {
		case err == nil:
		case errors.As(err, &rec):
			err = &panicked{what: panics.Describe(rec.V), stack: rec.Stacktrace}
		case msg.Context().Err() != nil:
			err = fmt.Errorf("%w (%w)", err, msg.Context().Err())
		}
		return out, err
	}
}

// panicked is a recovered panic as the runtime keeps and parks it: its
// stack and, of its value, a runtime error's message or else only its type.
type panicked struct{ what, stack string }

func (p *panicked) Error() string { return "panic: " + p.what + "\n" + p.stack }

// asPanicked turns a panic recovered by panics.Recover into a panicked.
func asPanicked(err error) error {
	var p *panics.Error
	if errors.As(err, &p) {
		return &panicked{what: p.What, stack: p.Stack}
	}
	return err
}

func isPanic(err error) bool { return errors.As(err, new(*panicked)) }

// permanent marks a failure that trying again cannot change (a message that
// is not an event): it is parked without retries.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// transient says a failure is the database's or the shutdown's, not the
// event's: it is not poison.
func transient(err error) bool {
	return errors.Is(err, eventstore.ErrUnavailable) || errors.Is(err, mongodb.ErrUnavailable) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
