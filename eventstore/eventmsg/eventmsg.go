// Package eventmsg is the message form of a stored event: it maps an
// eventstore.Envelope to a Watermill message and back.
//
// It lives beside the store, not with a transport, because both ends of
// every transport use it: a transport's subscriber (adapters/bus/mongolog,
// or any other) turns the log's records into messages with ToMessage, and
// the projection runner (projections/runner), which knows no transport,
// turns the messages it is handed back into envelopes with ToEnvelope. The
// envelope belongs to the store, so its wire form does too; the store
// itself (package eventstore) stays free of Watermill.
package eventmsg

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/ticketify/ticketify/eventstore"
)

// Metadata keys of envelope fields.
// WARNING: consumers in other processes read these names; never change them.
const (
	MetaType           = "ticketify.type"
	MetaTopic          = "ticketify.topic"
	MetaStream         = "ticketify.stream"
	MetaVersion        = "ticketify.version"
	MetaPosition       = "ticketify.position"
	MetaCommitID       = "ticketify.commit_id"
	MetaCommitPosition = "ticketify.commit_position"
	MetaIndex          = "ticketify.index"
	MetaOccurredAt     = "ticketify.occurred_at"
	MetaGuild          = "ticketify.guild"
	MetaActorUser      = "ticketify.actor_user"
	MetaActorSource    = "ticketify.actor_source"
	MetaActorBecause   = "ticketify.actor_because"
	MetaCorrelation    = "correlation_id" // Watermill's own correlation key
	MetaCausation      = "ticketify.causation_id"
	MetaSealed         = "ticketify.sealed"
)

// ToMessage turns a stored event into a message. The payload is the record's
// data; sealed personal data travels sealed, so no transport ever carries it
// in the clear.
func ToMessage(env eventstore.Envelope) *message.Message {
	msg := message.NewMessage(env.ID, env.Data)
	maps.Copy(msg.Metadata, env.Metadata)
	set := func(k, v string) {
		if v != "" {
			msg.Metadata[k] = v
		}
	}
	set(MetaType, env.Type)
	set(MetaTopic, env.Topic)
	set(MetaStream, env.Stream)
	if env.Version > 0 {
		set(MetaVersion, strconv.FormatInt(env.Version, 10))
	}
	set(MetaPosition, strconv.FormatInt(env.Position, 10))
	set(MetaCommitID, env.CommitID)
	set(MetaCommitPosition, strconv.FormatInt(env.CommitPosition, 10))
	set(MetaIndex, strconv.Itoa(env.Index))
	set(MetaOccurredAt, env.OccurredAt.UTC().Format(time.RFC3339Nano))
	set(MetaGuild, env.Guild)
	set(MetaActorUser, env.Actor.User)
	set(MetaActorSource, env.Actor.Source)
	set(MetaActorBecause, env.Actor.Because)
	set(MetaCorrelation, env.Correlation)
	set(MetaCausation, env.Causation)
	if env.Sealed != nil {
		b, _ := json.Marshal(env.Sealed)
		set(MetaSealed, string(b))
	}
	return msg
}

// ToEnvelope turns a message made by ToMessage back into the stored event.
func ToEnvelope(msg *message.Message) (eventstore.Envelope, error) {
	md := msg.Metadata
	env := eventstore.Envelope{
		Record: eventstore.Record{ID: msg.UUID, Type: md.Get(MetaType), Data: msg.Payload},
		Topic:  md.Get(MetaTopic), Stream: md.Get(MetaStream), CommitID: md.Get(MetaCommitID),
		Guild:       md.Get(MetaGuild),
		Actor:       eventstore.Actor{User: md.Get(MetaActorUser), Source: md.Get(MetaActorSource), Because: md.Get(MetaActorBecause)},
		Correlation: md.Get(MetaCorrelation), Causation: md.Get(MetaCausation),
	}
	var err error
	num := func(key string) int64 {
		if err != nil || md.Get(key) == "" {
			return 0
		}
		var n int64
		n, err = strconv.ParseInt(md.Get(key), 10, 64)
		if err != nil {
			err = fmt.Errorf("message %s: metadata %s: %w", msg.UUID, key, err)
		}
		return n
	}
	env.Version, env.Position, env.CommitPosition = num(MetaVersion), num(MetaPosition), num(MetaCommitPosition)
	env.Index = int(num(MetaIndex))
	if err != nil {
		return eventstore.Envelope{}, err
	}
	if env.Position == 0 {
		return eventstore.Envelope{}, fmt.Errorf("message %s has no %s: it did not come from the event log", msg.UUID, MetaPosition)
	}
	if s := md.Get(MetaOccurredAt); s != "" {
		if env.OccurredAt, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return eventstore.Envelope{}, fmt.Errorf("message %s: metadata %s: %w", msg.UUID, MetaOccurredAt, err)
		}
	}
	if s := md.Get(MetaSealed); s != "" {
		env.Sealed = new(eventstore.Sealed)
		if err := json.Unmarshal([]byte(s), env.Sealed); err != nil {
			return eventstore.Envelope{}, fmt.Errorf("message %s: metadata %s: %w", msg.UUID, MetaSealed, err)
		}
	}
	return env, nil
}
