package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/eventmsg"
)

// Reactor turns events into side effects outside the store (Discord calls).
// Unlike a projector it is never rebuilt or replayed: a reactor seen for the
// first time starts at the log's head, and its effects must be idempotent,
// because delivery is at least once.
type Reactor interface {
	// Name is the reactor's consumer group.
	// WARNING: renaming a reactor makes it start over at the head.
	Name() string
	// React performs the event's side effects. An error means "try again
	// later" (the event is delivered again); a reactor records permanent
	// failures itself and returns nil.
	React(ctx context.Context, e Event) error
}

// AddReactor registers a reactor; call it before Start.
func (r *Runtime) AddReactor(re Reactor) { r.reactors = append(r.reactors, re) }

// startReactors adds every reactor's handler to the router.
func (r *Runtime) startReactors(ctx context.Context, router *message.Router) error {
	for _, re := range r.reactors {
		cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, re.Name())
		if err != nil {
			return err
		}
		if cp == (mongolog.Checkpoint{Position: 1}) { // never ran: begin at the head, not at history
			last, head, err := r.cfg.Log.LastEvent(ctx, eventstore.DefaultTopic)
			if err != nil {
				return err
			}
			if head > 0 {
				cp = mongolog.Checkpoint{Position: head + 1, Event: last}
				if err := r.cfg.Checkpoints.Save(ctx, eventstore.DefaultTopic, re.Name(), cp); err != nil {
					return err
				}
			}
		}
		sub, err := mongolog.NewSubscriber(r.cfg.Log, r.cfg.Checkpoints, mongolog.SubscriberConfig{
			ConsumerGroup: re.Name(), PollInterval: r.cfg.PollInterval, NackResendSleep: time.Second,
			Logger: watermill.NewSlogLogger(r.cfg.Logger),
		})
		if err != nil {
			return err
		}
		re := re
		router.AddConsumerHandler(re.Name(), eventstore.DefaultTopic, sub, func(msg *message.Message) error {
			env, err := eventmsg.ToEnvelope(msg)
			if err != nil {
				r.cfg.Logger.Error("reactor got a message that is not an event; skipping it", "reactor", re.Name(), "message", msg.UUID, "err", err)
				return nil
			}
			d, err := r.cfg.Store.Codec().Decode(msg.Context(), env.Record)
			if err != nil {
				r.cfg.Logger.Warn("reactor cannot decode an event; it has no effect to perform", "reactor", re.Name(), "type", env.Type, "err", err)
				return nil
			}
			_, err = middleware.Recoverer(func(*message.Message) ([]*message.Message, error) {
				return nil, re.React(msg.Context(), Event{Envelope: env, Event: d.Event, Erased: d.Erased})
			})(msg)
			if Panicked(err) {
				// A panic would come back at every delivery: park the event
				// like a projector's poison event and go on.
				return r.park(msg.Context(), re.Name(), env, err)
			}
			if err != nil {
				return fmt.Errorf("reactor %s at %d: %w", re.Name(), env.Position, err)
			}
			return nil
		})
	}
	return nil
}
