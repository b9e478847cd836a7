package mongolog

import (
	"context"
	"time"

	"github.com/ticketify/ticketify/eventstore"
)

// A Feed is where a subscription reads its topic's commits while it holds
// its consumer group: the MongoDB log itself (the default, LogFeed), or a
// transport that carries the log, such as NATS JetStream
// (adapters/bus/natsbus). Either way the log's positions decide what is
// delivered: the subscription asks for commits from its checkpoint on, and
// the checkpoint — in MongoDB, with the lease — says what was consumed.
type Feed interface {
	// Next returns commits of the topic starting exactly at position from,
	// in order and without gaps, waiting until there is at least one or
	// until ctx ends (then it returns none and no error).
	Next(ctx context.Context, from int64) ([]eventstore.StoredCommit, error)
	// Close ends the feed (the subscription let go of its group).
	Close() error
}

// Feeds opens a Feed for a topic and consumer group ("" for none), each
// time a subscription starts to hold the group.
type Feeds func(ctx context.Context, topic, group string) (Feed, error)

// LogFeed reads the log itself: at once after an append by this process
// (Log.Wait), and every poll for other processes' appends.
func LogFeed(log Log, poll, wakeDelay time.Duration, batch int) Feeds {
	return func(_ context.Context, topic, _ string) (Feed, error) {
		return &logFeed{log: log, poll: poll, wakeDelay: wakeDelay, batch: batch, topic: topic}, nil
	}
}

type logFeed struct {
	log             Log
	poll, wakeDelay time.Duration
	batch           int
	topic           string
}

func (f *logFeed) Close() error { return nil }

// Next reads the topic's log from from, or waits for it to grow.
func (f *logFeed) Next(ctx context.Context, from int64) ([]eventstore.StoredCommit, error) {
	wake := f.log.Wait(f.topic)
	commits, err := f.log.ReadLog(ctx, f.topic, from, f.batch)
	if len(commits) > 0 || err != nil {
		return commits, err
	}
	select {
	case <-ctx.Done():
	case <-wake:
		// Let the command that appended finish its other appends before
		// every consumer in the process competes with it.
		time.Sleep(f.wakeDelay)
	case <-time.After(f.poll):
	}
	return nil, nil
}
