package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/eventmsg"
	"github.com/ticketify/ticketify/internal/platform/tracing"
	"github.com/ticketify/ticketify/projections"
)

// reactorRedelivery is the pause before an event a reactor failed on
// ("try again later") is delivered again.
const reactorRedelivery = time.Second

// AddReactor registers a reactor; call it before Start.
func (r *Runtime) AddReactor(re projections.Reactor) { r.reactors = append(r.reactors, re) }

// startReactors adds every reactor's handler to the router.
func (r *Runtime) startReactors(ctx context.Context, router *message.Router, mw []message.HandlerMiddleware) error {
	for _, re := range r.reactors {
		cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, re.Name())
		if err != nil {
			return err
		}
		if cp == (eventstore.Checkpoint{Position: 1}) { // never ran: begin at the head, not at history
			last, head, err := r.cfg.Log.LastEvent(ctx, eventstore.DefaultTopic)
			if err != nil {
				return err
			}
			if head > 0 {
				cp = eventstore.Checkpoint{Position: head + 1, Event: last}
				if err := r.cfg.Checkpoints.Save(ctx, eventstore.DefaultTopic, re.Name(), cp); err != nil {
					return err
				}
			}
		}
		sub, err := r.cfg.Subscribers(ConsumerGroup{Name: re.Name(), Redelivery: reactorRedelivery})
		if err != nil {
			return fmt.Errorf("subscriber of %s: %w", re.Name(), err)
		}
		router.AddConsumerHandler(re.Name(), eventstore.DefaultTopic, sub, r.reactorHandler(re)).AddMiddleware(mw...)
	}
	return nil
}

// reactorHandler turns a message into a React call. A message that is not
// an event, or an event this build cannot decode, has no effect to perform:
// it is skipped — unless decoding failed only because the database did not
// answer (the data key lookup), which is retried like a reactor's error. A reactor's error is returned, so the message is delivered
// again later; a panic is parked by the middleware.
func (r *Runtime) reactorHandler(re projections.Reactor) message.NoPublishHandlerFunc {
	return func(msg *message.Message) (err error) {
		ctx, span := consumerSpan(msg, "react", re.Name())
		defer func() { tracing.End(span, err) }()
		env, err := eventmsg.ToEnvelope(msg)
		if err != nil {
			r.cfg.Logger.ErrorContext(ctx, "reactor got a message that is not an event; skipping it", "reactor", re.Name(), "message", msg.UUID, "err", err)
			return nil
		}
		d, err := r.cfg.Store.Codec().Decode(ctx, env.Record)
		if err != nil && transient(err) {
			// The key lookup did not reach the database: the event is fine,
			// its effect must still happen — delivered again later.
			return fmt.Errorf("reactor %s at %d: %w", re.Name(), env.Position, err)
		}
		if err != nil {
			r.cfg.Logger.WarnContext(ctx, "reactor cannot decode an event; it has no effect to perform", "reactor", re.Name(), "type", env.Type, "err", err)
			return nil
		}
		if err := re.React(ctx, projections.Event{Envelope: env, Event: d.Event, Erased: d.Erased}); err != nil {
			return fmt.Errorf("reactor %s at %d: %w", re.Name(), env.Position, err)
		}
		return nil
	}
}

// consumerSpan starts a consumer's span for a message, in the trace the
// event's append carried (its record's traceparent): kind is "project" or
// "react".
func consumerSpan(msg *message.Message, kind, name string) (context.Context, trace.Span) {
	correlation := msg.Metadata.Get(eventmsg.MetaCorrelation)
	ctx := tracing.WithCorrelation(tracing.Extract(msg.Context(), msg.Metadata), correlation)
	return tracing.Tracer().Start(ctx, kind+" "+name, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("ticketify.event_id", msg.UUID), attribute.String("ticketify.event_type", msg.Metadata.Get(eventmsg.MetaType)),
			attribute.String("ticketify.correlation_id", correlation)))
}
