package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/platform/panics"
)

// middleware returns the router middleware of projectors' and reactors'
// handlers, outermost first.
//
// A projector's failure:
//   - a panic (Watermill's Recoverer) is parked at once: it would panic again;
//   - a transient failure (the database did not answer, the runtime is
//     stopping) is not poison: the message is nacked and delivered again,
//     however long the outage lasts;
//   - anything else is retried (Attempts in all, RetryDelay apart), then
//     parked (PoisonQueueWithFilter, publishing to the parking), and the
//     projector moves on.
//
// A reactor's: a panic is parked the same way; any other error means "try
// again later" (a nack; the subscriber delivers it again after its
// Redelivery), since a reactor records permanent failures itself.
//
// Either way a panic never takes the process down, and so never crash-loops
// it from an unmoved checkpoint.
func (r *Runtime) middleware() (projector, reactor []message.HandlerMiddleware, err error) {
	poison, err := middleware.PoisonQueueWithFilter(r.parking, ParkedCollection, func(err error) bool { return !transient(err) })
	if err != nil {
		return nil, nil, err
	}
	retry := middleware.Retry{
		MaxRetries:      r.cfg.Attempts - 1,
		InitialInterval: r.cfg.RetryDelay, MaxInterval: r.cfg.RetryDelay, Multiplier: 1, // a fixed delay
		ShouldRetry: func(p middleware.RetryParams) bool {
			return !transient(p.Err) && !isPanic(p.Err) && !errors.As(p.Err, new(permanent))
		},
	}
	reactorPoison, err := middleware.PoisonQueueWithFilter(r.parking, ParkedCollection, isPanic)
	if err != nil {
		return nil, nil, err
	}
	return []message.HandlerMiddleware{poison, retry.Middleware, classify, middleware.Recoverer},
		[]message.HandlerMiddleware{reactorPoison, classify, middleware.Recoverer}, nil
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
