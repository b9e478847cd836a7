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
	// Next returns the commits of the topic available now, starting
	// exactly at position from, in order and without gaps; none when there
	// are none yet. It does not wait: a consumer flushes what it buffered
	// as soon as it has caught up, before Wait.
	Next(ctx context.Context, from int64) ([]eventstore.StoredCommit, error)
	// Wait blocks until more commits may be available, or ctx ends.
	Wait(ctx context.Context)
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
	wake            <-chan struct{} // taken before each read, so no append between the read and Wait is missed
}

func (f *logFeed) Close() error { return nil }

// Next reads the topic's log from from.
func (f *logFeed) Next(ctx context.Context, from int64) ([]eventstore.StoredCommit, error) {
	f.wake = f.log.Wait(f.topic)
	return f.log.ReadLog(ctx, f.topic, from, f.batch)
}

// Wait waits for an append by this process, or the poll interval.
func (f *logFeed) Wait(ctx context.Context) {
	wake := f.wake
	if wake == nil {
		wake = f.log.Wait(f.topic)
	}
	select {
	case <-ctx.Done():
	case <-wake:
		// Let the command that appended finish its other appends before
		// every consumer in the process competes with it.
		time.Sleep(f.wakeDelay)
	case <-time.After(f.poll):
	}
}
