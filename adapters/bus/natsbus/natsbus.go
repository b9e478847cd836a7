// Package natsbus carries Ticketify's event log over NATS JetStream, through
// Watermill's NATS Pub/Sub (github.com/ThreeDotsLabs/watermill-nats/v2).
//
// The MongoDB log stays the only source of truth; nothing is written twice.
// A relay — itself a leased consumer group, so one process publishes at a
// time — reads committed commits from the log and publishes each to a
// JetStream stream with its log position as the Nats-Msg-Id, so a commit
// published again after a crash is dropped by JetStream. Projectors and
// reactors read those messages through durable consumers, one per consumer
// group (and partition), as a mongolog.Feed: the subscriber keeps its
// lease, its checkpoint and its at-least-once delivery in MongoDB, and the
// log's positions decide what it delivers — a message it already consumed is
// passed over, a gap (a message JetStream lost, or one acked by a process
// killed before its checkpoint) is read from the log, and a quiet feed looks
// at the log itself, so a dead relay slows delivery down to polling and
// loses nothing.
package natsbus

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"

	"github.com/ticketify/ticketify/eventstore"
)

// Config says where the JetStream stream is.
type Config struct {
	// URL of the NATS server (TICKETIFY_NATS_URL).
	URL string
	// Stream is the JetStream stream (and its subject); default
	// "ticketify-events". The program names it after its log's identity
	// (mongolog.Checkpoints.LogID): the log's positions are matched against
	// the stream's messages, so two logs must never share a stream. A topic of
	// the log other than the default one goes to Stream + "-" + topic.
	Stream string
	// MaxAge bounds how long the stream keeps a commit; default 7 days. A
	// consumer further behind than that reads the rest from the log.
	MaxAge time.Duration
	// Duplicates is JetStream's window for dropping a commit published
	// twice; default 10 minutes.
	Duplicates time.Duration
	// Name identifies this process's connections in NATS's monitoring.
	Name   string
	Logger watermill.LoggerAdapter
}

func (c *Config) setDefaults() {
	if c.Stream == "" {
		c.Stream = "ticketify-events"
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 7 * 24 * time.Hour
	}
	if c.Duplicates <= 0 {
		c.Duplicates = 10 * time.Minute
	}
	if c.Name == "" {
		c.Name = "ticketify"
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports what is missing.
func (c Config) Validate() error {
	if c.URL == "" {
		return errors.New("natsbus: the NATS URL is required (TICKETIFY_NATS_URL)")
	}
	return nil
}

// subject is the stream and subject a topic of the log is carried on.
func (c Config) subject(topic string) string {
	if topic == "" || topic == eventstore.DefaultTopic {
		return c.Stream
	}
	return c.Stream + "-" + topic
}

func (c Config) options() []nats.Option {
	return []nats.Option{nats.Name(c.Name), nats.RetryOnFailedConnect(true), nats.Timeout(10 * time.Second),
		nats.ReconnectWait(time.Second), nats.MaxReconnects(-1)}
}

// EnsureStream creates the topic's stream when it is missing (file
// storage, MaxAge, the duplicate window), or updates its limits.
func EnsureStream(cfg Config, topic string) error {
	cfg.setDefaults()
	nc, err := nats.Connect(cfg.URL, cfg.options()...)
	if err != nil {
		return fmt.Errorf("natsbus: connect: %w", err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return fmt.Errorf("natsbus: %w", err)
	}
	sc := &nats.StreamConfig{Name: cfg.subject(topic), Subjects: []string{cfg.subject(topic)}, Storage: nats.FileStorage,
		MaxAge: cfg.MaxAge, Duplicates: cfg.Duplicates}
	if _, err := js.StreamInfo(sc.Name); errors.Is(err, nats.ErrStreamNotFound) {
		_, err = js.AddStream(sc)
		if err != nil {
			return fmt.Errorf("natsbus: create stream %s: %w", sc.Name, err)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("natsbus: stream %s: %w", sc.Name, err)
	}
	if _, err := js.UpdateStream(sc); err != nil {
		return fmt.Errorf("natsbus: update stream %s: %w", sc.Name, err)
	}
	return nil
}

// NewPublisher returns the Watermill publisher the relay publishes with:
// JetStream, each message's UUID sent as its Nats-Msg-Id (TrackMsgId), a
// publish acknowledged by the stream before it returns.
func NewPublisher(cfg Config) (*wmnats.Publisher, error) {
	cfg.setDefaults()
	return wmnats.NewPublisher(wmnats.PublisherConfig{
		URL: cfg.URL, NatsOptions: cfg.options(), Marshaler: &wmnats.NATSMarshaler{},
		JetStream: wmnats.JetStreamConfig{TrackMsgId: true},
	}, cfg.Logger)
}

// NewSubscriber returns the Watermill subscriber of one consumer group: a
// durable JetStream consumer named after the group, explicit acks, from
// the first message the stream holds.
func NewSubscriber(cfg Config, group string) (*wmnats.Subscriber, error) {
	cfg.setDefaults()
	nc, err := nats.Connect(cfg.URL, cfg.options()...)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connect: %w", err)
	}
	sub, err := newSubscriberOn(nc, cfg, group)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return sub, nil // its Close drains and closes the connection
}

// newSubscriberOn is NewSubscriber on a connection the caller owns (and
// closes: a subscription that failed leaves the subscriber unable to close
// cleanly, see the feed).
func newSubscriberOn(nc *nats.Conn, cfg Config, group string) (*wmnats.Subscriber, error) {
	cfg.setDefaults()
	return wmnats.NewSubscriberWithNatsConn(nc, wmnats.SubscriberSubscriptionConfig{
		Unmarshaler: &wmnats.NATSMarshaler{}, QueueGroupPrefix: DurableName(group), SubscribersCount: 1,
		AckWaitTimeout: 30 * time.Second, CloseTimeout: 10 * time.Second, SubscribeTimeout: 10 * time.Second,
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream:         subscriberJetStream(group),
	}, cfg.Logger)
}

func subscriberJetStream(group string) wmnats.JetStreamConfig {
	return wmnats.JetStreamConfig{
		DurablePrefix:    DurableName(group),
		SubscribeOptions: []nats.SubOpt{nats.DeliverAll(), nats.AckExplicit()},
	}
}

var notInDurable = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// DurableName is a consumer group's durable consumer: NATS allows no
// '.', '*', '>', '/' or spaces in it ("ticket-views[0/4]" →
// "ticket-views_0_4_").
func DurableName(group string) string {
	if group == "" {
		return ""
	}
	return notInDurable.ReplaceAllString(group, "_")
}

// wireCommit is a commit as a NATS message carries it: the stored commit,
// its sealed personal data still sealed.
type wireCommit struct {
	eventstore.StoredCommit
}

// commitMessage makes the message the relay publishes for a commit; its
// UUID, the Nats-Msg-Id, is the commit's position in its topic.
func commitMessage(c eventstore.StoredCommit) (*message.Message, error) {
	b, err := json.Marshal(wireCommit{c})
	if err != nil {
		return nil, fmt.Errorf("natsbus: encode commit %d: %w", c.Position, err)
	}
	return message.NewMessage(strconv.FormatInt(c.Position, 10), b), nil
}

// commitOf reads a commit back from a message.
func commitOf(msg *message.Message) (eventstore.StoredCommit, error) {
	var w wireCommit
	if err := json.Unmarshal(msg.Payload, &w); err != nil {
		return eventstore.StoredCommit{}, fmt.Errorf("natsbus: message %s is not a commit: %w", msg.UUID, err)
	}
	if w.Position <= 0 || strconv.FormatInt(w.Position, 10) != msg.UUID {
		return eventstore.StoredCommit{}, fmt.Errorf("natsbus: message %s does not carry its commit", msg.UUID)
	}
	return w.StoredCommit, nil
}
