package natsbus

import (
	"context"
	"fmt"
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
func Feeds(cfg Config, log Log, idle time.Duration) mongolog.Feeds {
	cfg.setDefaults()
	if idle <= 0 {
		idle = time.Second
	}
	return func(ctx context.Context, topic, group string) (mongolog.Feed, error) {
		sub, err := NewSubscriber(cfg, group)
		if err != nil {
			return nil, fmt.Errorf("natsbus: subscriber of %s: %w", group, err)
		}
		subCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		msgs, err := sub.Subscribe(subCtx, cfg.subject(topic))
		if err != nil {
			cancel()
			_ = sub.Close()
			return nil, fmt.Errorf("natsbus: subscribe %s: %w", group, err)
		}
		return &feed{sub: sub, cancel: cancel, msgs: msgs, log: log, topic: topic, idle: idle, batch: 256, cfg: cfg}, nil
	}
}

type feed struct {
	sub    *wmnats.Subscriber
	cancel context.CancelFunc
	msgs   <-chan *message.Message
	log    Log
	topic  string
	idle   time.Duration
	batch  int
	cfg    Config
}

// Next implements mongolog.Feed. A message is acked as soon as it is read:
// what was consumed is the subscriber's checkpoint in MongoDB, not the
// durable consumer's position, which only saves passing over old messages.
func (f *feed) Next(ctx context.Context, from int64) ([]eventstore.StoredCommit, error) {
	idle := time.NewTimer(f.idle)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-idle.C:
			// Quiet: the relay may be down, or simply nothing happened.
			return f.log.ReadLog(ctx, f.topic, from, f.batch)
		case msg, ok := <-f.msgs:
			if !ok {
				return nil, fmt.Errorf("natsbus: the subscription of %s ended", f.topic)
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
	f.cancel()
	return f.sub.Close()
}
