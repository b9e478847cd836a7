// Package mongolog is a Watermill Publisher and Subscriber over Ticketify's
// MongoDB event log: published messages become commits of a topic's log;
// subscribers follow the log in its gap-free order with at-least-once
// delivery, a checkpoint per consumer group stored in MongoDB, and a lease so
// that one member of a group consumes at a time. It needs no transactions and
// no change streams, so it runs on FerretDB as on MongoDB.
package mongolog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/ticketify/ticketify/eventstore"
)

// Log is what the pub/sub needs from the event log (mongostore.Log).
type Log interface {
	Append(ctx context.Context, c eventstore.Commit, expected eventstore.Revision) (eventstore.AppendResult, error)
	ReadLog(ctx context.Context, topic string, from int64, max int) ([]eventstore.StoredCommit, error)
	Wait(topic string) <-chan struct{}
}

// Publisher appends messages to a topic's log.
type Publisher struct {
	log    Log
	mu     sync.RWMutex
	closed bool
	now    func() time.Time
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher returns a Publisher.
func NewPublisher(log Log) *Publisher { return &Publisher{log: log, now: time.Now} }

// ErrPublisherClosed is returned by Publish after Close.
var ErrPublisherClosed = errors.New("publisher closed")

// Publish appends the messages as one commit: all are stored or none. The
// commit id is derived from the topic and the message ids, so publishing the
// same messages to the same topic again (a retry after a timeout) stores them once.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrPublisherClosed
	}
	if len(msgs) == 0 {
		return nil
	}
	h := sha256.New()
	h.Write([]byte(topic))
	h.Write([]byte{0})
	c := eventstore.Commit{Topic: topic, At: p.now().UTC()}
	for _, m := range msgs {
		h.Write([]byte(m.UUID))
		h.Write([]byte{0})
		c.Records = append(c.Records, eventstore.Record{ID: m.UUID, Data: m.Payload, Metadata: m.Metadata})
	}
	c.ID = "msgs:" + hex.EncodeToString(h.Sum(nil))
	ctx := context.Background()
	if len(msgs) == 1 && msgs[0].Context() != nil {
		ctx = msgs[0].Context()
	}
	if _, err := p.log.Append(ctx, c, eventstore.Any); err != nil {
		return fmt.Errorf("publish %d message(s) to %s: %w", len(msgs), topic, err)
	}
	return nil
}

// Close stops publishing.
func (p *Publisher) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return nil
}
