package mongostore

import (
	"context"

	"github.com/ticketify/ticketify/eventstore"
)

// Batch is one read of the log by Prefetch.
type Batch struct {
	Commits []eventstore.StoredCommit
	Err     error
}

// Prefetch reads a topic from position from up to the head as it is when
// each read starts, one batch ahead of the consumer: the next batch's
// lookups run while the consumer handles the current one. The channel closes
// at the head (an empty read), on an error (sent as the last batch), or when
// ctx ends.
func (l *Log) Prefetch(ctx context.Context, topic string, from int64, batch int) <-chan Batch {
	out := make(chan Batch, 1)
	go func() {
		defer close(out)
		for {
			commits, err := l.ReadLog(ctx, topic, from, batch)
			if len(commits) > 0 || err != nil {
				select {
				case out <- Batch{Commits: commits, Err: err}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil || len(commits) == 0 {
				return
			}
			from = commits[len(commits)-1].Position + 1
		}
	}()
	return out
}
