package eventmsg_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/eventmsg"
)

// A stored event survives the trip through a message: what a transport's
// subscriber sends is what the runner reads back, personal data still sealed.
func TestAnEnvelopeRoundTripsThroughAMessage(t *testing.T) {
	env := eventstore.Envelope{
		Record: eventstore.Record{ID: "e1", Type: "ticket.closed.v1", Data: []byte(`{"ticket":"t1"}`),
			Sealed: &eventstore.Sealed{KeyID: "k", KeyGen: 2, Nonce: []byte{1, 2}, Ciphertext: []byte{3, 4}}},
		Topic: eventstore.DefaultTopic, Stream: "ticket/t1", Version: 3, Position: 42, CommitID: "c1", CommitPosition: 17,
		Index: 1, OccurredAt: time.Date(2026, 11, 2, 9, 0, 0, 123456789, time.UTC), Guild: "9",
		Actor: eventstore.Actor{User: "1", Source: "button", Because: "why"}, Correlation: "corr", Causation: "cause",
	}
	msg := eventmsg.ToMessage(env)
	if string(msg.Payload) != `{"ticket":"t1"}` {
		t.Fatalf("payload %s, want the record's data", msg.Payload)
	}
	got, err := eventmsg.ToEnvelope(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, env) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, env)
	}
}

// A message that did not come from the log is refused, not read as an event
// at position 0.
func TestAMessageWithoutAPositionIsNotAnEvent(t *testing.T) {
	if _, err := eventmsg.ToEnvelope(message.NewMessage("m1", []byte(`{}`))); err == nil {
		t.Fatal("a message without a position was read as an event")
	}
	msg := eventmsg.ToMessage(eventstore.Envelope{Record: eventstore.Record{ID: "e1"}, Position: 1})
	msg.Metadata.Set(eventmsg.MetaVersion, "three")
	if _, err := eventmsg.ToEnvelope(msg); err == nil {
		t.Fatal("a malformed version was accepted")
	}
}
