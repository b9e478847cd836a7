package natsbus

import (
	"context"
	"sync"
	"time"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/eventstore"
)

// Log is what a feed reads from the event log itself: the gaps.
type Log interface {
	ReadLog(ctx context.Context, topic string, from int64, max int) ([]eventstore.StoredCommit, error)
}

// Feeds returns the mongolog.Feeds that read JetStream: each time a
// subscriber takes its group, it subscribes the group's durable consumer.
// idle is how long a feed waits for a message before it looks at the log
// itself (default 1s): with the relay down, delivery goes on at that pace.
// With NATS unreachable the feed reads the log at that pace too, and
// subscribes again every resubscribe.
func Feeds(cfg Config, log Log, idle time.Duration) mongolog.Feeds {
	cfg.setDefaults()
	if idle <= 0 {
		idle = time.Second
	}
	return func(ctx context.Context, topic, group string) (mongolog.Feed, error) {
		f := &feed{log: log, topic: topic, group: group, idle: idle, batch: 256, cfg: cfg}
		f.trySubscribe()
		return f, nil
	}
}

// resubscribe is how often a feed without a subscription tries again.
const resubscribe = 5 * time.Second

type feed struct {
	log   Log
	topic string
	group string
	idle  time.Duration
	batch int
	cfg   Config

	mu          sync.Mutex
	sub         *wmnats.Subscriber // nil while NATS is unreachable
	cancel      context.CancelFunc
	msgs        <-chan *message.Message
	subscribing bool
	triedAt     time.Time
	closed      bool
}

// trySubscribe subscribes the group's durable consumer in the background
// (a subscription to a NATS that does not answer takes seconds to fail),
// unless the feed has one, is at it, or tried less than resubscribe ago.
func (f *feed) trySubscribe() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || f.sub != nil || f.subscribing || (!f.triedAt.IsZero() && time.Since(f.triedAt) < resubscribe) {
		return
	}
	f.subscribing = true
	go func() {
		sub, err := NewSubscriber(f.cfg, f.group)
		var msgs <-chan *message.Message
		ctx, cancel := context.WithCancel(context.Background())
		if err == nil {
			if msgs, err = sub.Subscribe(ctx, f.cfg.subject(f.topic)); err != nil {
				go func() { _ = sub.Close() }() // waits for its timeouts; nothing needs it
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.subscribing, f.triedAt = false, time.Now()
		if err != nil {
			cancel()
			f.cfg.Logger.Error("NATS JetStream cannot be subscribed; reading the log itself meanwhile", err,
				map[string]any{"consumer_group": f.group})
			return
		}
		if f.closed {
			cancel()
			go func() { _ = sub.Close() }()
			return
		}
		f.sub, f.cancel, f.msgs = sub, cancel, msgs
	}()
}

// unsubscribe drops the subscription; call with mu held.
func (f *feed) unsubscribe() {
	if f.sub == nil {
		return
	}
	f.cancel()
	sub := f.sub
	go func() { _ = sub.Close() }()
	f.sub, f.cancel, f.msgs = nil, nil, nil
	f.triedAt = time.Now()
}

func (f *feed) messages() <-chan *message.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs
}

// Next implements mongolog.Feed. A message is acked as soon as it is read:
// what was consumed is the subscriber's checkpoint in MongoDB, not the
// durable consumer's position, which only saves passing over old messages.
func (f *feed) Next(ctx context.Context, from int64) ([]eventstore.StoredCommit, error) {
	f.trySubscribe()
	msgs := f.messages()
	idle := time.NewTimer(f.idle)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-idle.C:
			// Quiet: the relay or NATS may be down, or nothing happened.
			return f.log.ReadLog(ctx, f.topic, from, f.batch)
		case msg, ok := <-msgs: // a nil channel (no subscription) never delivers
			if !ok {
				f.cfg.Logger.Error("The NATS subscription ended; reading the log itself until it is back", nil,
					map[string]any{"consumer_group": f.group})
				f.mu.Lock()
				f.unsubscribe()
				f.mu.Unlock()
				return f.log.ReadLog(ctx, f.topic, from, f.batch)
			}
			msg.Ack()
			c, err := commitOf(msg)
			if err != nil {
				f.cfg.Logger.Error("Passing over a message that is not a commit", err, nil)
				continue
			}
			switch {
			case c.Position < from:
				continue // consumed before
			case c.Position == from:
				return []eventstore.StoredCommit{c}, nil
			}
			// A gap: commits the stream does not hold any more, or that a
			// process killed before its checkpoint had acked. The log has them.
			gap, err := f.log.ReadLog(ctx, f.topic, from, int(min(c.Position-from, int64(f.batch))))
			if err != nil || len(gap) < int(c.Position-from) {
				return gap, err // the rest, and this one, at the next call
			}
			return append(gap, c), nil
		}
	}
}

// Close ends the subscription; the durable consumer stays for the next
// holder of the group.
func (f *feed) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.unsubscribe()
	return nil
}
