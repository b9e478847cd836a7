package natsbus

import (
	"context"
	"sync"
	"time"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"

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

// nextMessageWait is how long Next waits for a message before it says
// there is none now (see Next).
const nextMessageWait = 2 * time.Millisecond

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
	nc          *nats.Conn         // the feed's own connection
	sub         *wmnats.Subscriber // nil while NATS is unreachable
	cancel      context.CancelFunc
	msgs        <-chan *message.Message
	subscribing bool
	triedAt     time.Time
	closed      bool

	// Between Wait and Next (one goroutine): the message Wait received,
	// or that the log itself is to be read (nothing came for idle).
	pending *message.Message
	readLog bool
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
		nc, sub, msgs, cancel, err := f.subscribe()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.subscribing, f.triedAt = false, time.Now()
		if err != nil {
			f.cfg.Logger.Error("NATS JetStream cannot be subscribed; reading the log itself meanwhile", err,
				map[string]any{"consumer_group": f.group})
			return
		}
		if f.closed {
			cancel()
			go func() { _ = sub.Close() }()
			return
		}
		f.nc, f.sub, f.msgs, f.cancel = nc, sub, msgs, cancel
	}()
}

// subscribe connects and subscribes; on a failure it closes what it opened.
func (f *feed) subscribe() (*nats.Conn, *wmnats.Subscriber, <-chan *message.Message, context.CancelFunc, error) {
	nc, err := nats.Connect(f.cfg.URL, f.cfg.options()...)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	sub, err := newSubscriberOn(nc, f.cfg, f.group)
	if err != nil {
		nc.Close()
		return nil, nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	msgs, err := sub.Subscribe(ctx, f.cfg.subject(f.topic))
	if err != nil {
		// A failed Subscribe leaves the subscriber waiting for an output
		// that never started: its Close would hang; the connection is ours.
		cancel()
		nc.Close()
		return nil, nil, nil, nil, err
	}
	return nc, sub, msgs, cancel, nil
}

// unsubscribe drops the subscription; call with mu held.
func (f *feed) unsubscribe() {
	if f.sub == nil {
		return
	}
	f.cancel()
	sub := f.sub
	go func() { _ = sub.Close() }() // drains and closes the feed's connection
	f.nc, f.sub, f.cancel, f.msgs = nil, nil, nil, nil
	f.triedAt = time.Now()
}

func (f *feed) messages() <-chan *message.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs
}

// Wait implements mongolog.Feed: until a message arrives, or idle passes
// (then the next Next reads the log itself: the relay or NATS may be
// down, or nothing happened).
func (f *feed) Wait(ctx context.Context) {
	if f.pending != nil || f.readLog {
		return
	}
	f.trySubscribe()
	idle := time.NewTimer(f.idle)
	defer idle.Stop()
	select {
	case <-ctx.Done():
	case <-idle.C:
		f.readLog = true
	case msg, ok := <-f.messages(): // a nil channel (no subscription) never delivers
		if !ok {
			f.ended()
			return
		}
		f.pending = msg
	}
}

// ended drops a subscription whose channel closed.
func (f *feed) ended() {
	f.cfg.Logger.Error("The NATS subscription ended; reading the log itself until it is back", nil,
		map[string]any{"consumer_group": f.group})
	f.mu.Lock()
	f.unsubscribe()
	f.mu.Unlock()
	f.readLog = true
}

// Next implements mongolog.Feed: the commits the stream brought (and any
// gap before them, from the log), or the log itself after a quiet Wait. A
// message is acked as soon as it is read: what was consumed is the
// subscriber's checkpoint in MongoDB, not the durable consumer's position,
// which only saves passing over old messages.
func (f *feed) Next(ctx context.Context, from int64) ([]eventstore.StoredCommit, error) {
	if f.readLog {
		commits, err := f.log.ReadLog(ctx, f.topic, from, f.batch)
		// A full batch: there is more, read it at once rather than after
		// the next quiet second.
		f.readLog = err == nil && len(commits) == f.batch
		return commits, err
	}
	for {
		msg := f.pending
		f.pending = nil
		if msg == nil {
			// Watermill's subscriber hands over the next message only once
			// the previous one's ack reached the server: an empty channel
			// right after a commit does not mean caught up. A moment's wait
			// keeps a backlog from being flushed commit by commit.
			select {
			case m, ok := <-f.messages():
				if !ok {
					f.ended()
					f.readLog = false
					return f.log.ReadLog(ctx, f.topic, from, f.batch)
				}
				msg = m
			case <-time.After(nextMessageWait):
				return nil, nil // nothing now
			case <-ctx.Done():
				return nil, nil
			}
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
			f.readLog = true // the rest, and this one, from the log at the next call
			return gap, err
		}
		return append(gap, c), nil
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
