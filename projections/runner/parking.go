package runner

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/eventmsg"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// ParkedCollection holds events projectors and reactors could not handle.
const ParkedCollection = "parked_events"

// ParkedEvent is an event a projector (or reactor) could not handle.
type ParkedEvent struct {
	ID        string    `bson:"_id"`
	Projector string    `bson:"projector"`
	Position  int64     `bson:"position"`
	EventID   string    `bson:"event_id"`
	Type      string    `bson:"type"`
	Stream    string    `bson:"stream"`
	Error     string    `bson:"error"`
	ParkedAt  time.Time `bson:"parked_at"`
}

// parking is the poison queue: a Watermill Publisher to which the
// PoisonQueue middleware publishes the events a consumer cannot handle, and
// which records each in ParkedCollection (one document per consumer group
// and event, so parking the same event again replaces it).
type parking struct {
	coll   *mongo.Collection
	logger *slog.Logger
	// parked is told of every event parked, by consumer group and position.
	parked func(group string, pos int64)
}

var _ message.Publisher = (*parking)(nil)

// Publish parks messages that PoisonQueue marked with the handler (the
// consumer group) and the reason. The reason is the failure's message,
// which the middleware made safe to keep (see classify). An error leaves
// the message unacked, so it is not skipped: it is delivered again.
func (p *parking) Publish(_ string, msgs ...*message.Message) error {
	for _, msg := range msgs {
		env, err := eventmsg.ToEnvelope(msg)
		if err != nil { // not an event of the log: parked by its message id
			env = eventstore.Envelope{Record: eventstore.Record{ID: msg.UUID}}
		}
		group := msg.Metadata.Get(middleware.PoisonedHandlerKey)
		if err := p.park(msg.Context(), group, env, msg.Metadata.Get(middleware.ReasonForPoisonedKey)); err != nil {
			return err
		}
	}
	return nil
}

// Close implements message.Publisher; the collection outlives the router.
func (p *parking) Close() error { return nil }

// park records an event a consumer group could not handle, with why.
func (p *parking) park(ctx context.Context, group string, env eventstore.Envelope, reason string) error {
	d := ParkedEvent{
		ID: fmt.Sprintf("%s/%020d/%s", group, env.Position, env.ID), Projector: group, Position: env.Position,
		EventID: env.ID, Type: env.Type, Stream: env.Stream, Error: reason, ParkedAt: time.Now().UTC(),
	}
	_, err := p.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("park event %s for %s: %w", env.ID, group, mongodb.Classify(err))
	}
	p.logger.Error("projection parked an event it cannot apply",
		"projection", group, "position", env.Position, "event", env.ID, "type", env.Type, "error", reason)
	p.parked(group, env.Position)
	return nil
}

// Parked lists parked events, oldest first.
func (r *Runtime) Parked(ctx context.Context) ([]ParkedEvent, error) {
	cur, err := r.parking.coll.Find(ctx, bson.D{})
	if err != nil {
		return nil, mongodb.Classify(err)
	}
	var out []ParkedEvent
	if err := cur.All(ctx, &out); err != nil {
		return nil, mongodb.Classify(err)
	}
	return out, nil
}
