package mongolog_test

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestUniversalPubSub runs Watermill's own pub/sub test suite against the
// MongoDB log on embedded FerretDB (SQLite). The features declared are the
// ones the implementation has: messages stay in the log (persistent, and a
// new subscriber without a group reads them from the start), one ordered
// stream per topic, consumer groups with their own checkpoints. Delivery is
// at-least-once, not exactly-once.
func TestUniversalPubSub(t *testing.T) {
	conn := testenv.SQLite(t)
	log, err := mongostore.Open(context.Background(), conn, mongostore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	cps, err := mongolog.OpenCheckpoints(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	construct := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
		sub, err := mongolog.NewSubscriber(log, cps, mongolog.SubscriberConfig{
			ConsumerGroup: group, PollInterval: 20 * time.Millisecond, LeaseTTL: 2 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		return mongolog.NewPublisher(log), sub
	}
	features := tests.Features{
		ConsumerGroups:                   true,
		ExactlyOnceDelivery:              false,
		GuaranteedOrder:                  true,
		Persistent:                       true,
		NewSubscriberReceivesOldMessages: true,
		RequireSingleInstance:            false,
	}
	tests.TestPubSub(t, features,
		func(t *testing.T) (message.Publisher, message.Subscriber) { return construct(t, "") },
		construct,
	)
}

var _ = mongodb.FlavorMongoDB
