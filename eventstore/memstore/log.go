// Package memstore keeps the event log, the data keys and the ticket-number
// claims in memory, for tests of use cases that do not test the database.
// The log passes the same contract (eventstore/storetest) as the MongoDB log;
// Keyring and Sequence answer like mongostore.Keyring and mongodb.Sequence.
// Nothing survives the process, and one value is one "database": there is no
// second process to share it with.
package memstore

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/ticketify/ticketify/eventstore"
)

// Log is the event log in memory. One mutex orders every append, so the
// guarantees the MongoDB log earns with unique indexes and dense positions
// (one winner per revision, idempotent commit ids, a gap-free order per
// topic) hold here by construction.
type Log struct {
	mu      sync.Mutex
	topics  map[string][]eventstore.StoredCommit // by topic, commit i at position i+1
	streams map[string][]eventstore.StoredCommit // by stream, commit i at seq i+1
	byID    map[string]eventstore.StoredCommit   // by commit id, across topics and streams
}

var _ eventstore.Log = (*Log)(nil)

// New returns an empty log.
func New() *Log {
	return &Log{
		topics:  map[string][]eventstore.StoredCommit{},
		streams: map[string][]eventstore.StoredCommit{},
		byID:    map[string]eventstore.StoredCommit{},
	}
}

// Append stores a commit at the expected revision of its stream. A commit
// whose id is already stored, on any stream or topic, is not stored again:
// the result describes the earlier commit, with AlreadyStored.
func (l *Log) Append(ctx context.Context, c eventstore.Commit, expected eventstore.Revision) (eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	if c.Topic == "" {
		c.Topic = eventstore.DefaultTopic
	}
	// The MongoDB log keeps times to the millisecond (BSON dates): do the
	// same, so that a test sees the times production would read back.
	c.At = c.At.UTC().Truncate(time.Millisecond)
	if err := c.Validate(); err != nil {
		return eventstore.AppendResult{}, err
	}
	if c.Stream == "" && !expected.IsAny() && expected != eventstore.NoStream {
		return eventstore.AppendResult{}, fmt.Errorf("%w: a stream-less commit has no revision to expect", eventstore.ErrInvalidCommit)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if prior, ok := l.byID[c.ID]; ok {
		return eventstore.AppendResult{StoredCommit: cloneStored(prior), AlreadyStored: true}, nil
	}
	sc := eventstore.StoredCommit{Commit: cloneCommit(c)}
	if c.Stream != "" {
		current := eventstore.NoStream
		if s := l.streams[c.Stream]; len(s) > 0 {
			current = s[len(s)-1].Revision()
		}
		if !expected.IsAny() && expected != current {
			return eventstore.AppendResult{}, fmt.Errorf("%w: %s expected %s, but it is at %s",
				eventstore.ErrConcurrency, c.Stream, expected, current)
		}
		sc.Seq, sc.FirstVersion = current.Commits()+1, current.Events()+1
	}
	log := l.topics[c.Topic]
	sc.Position, sc.FirstEvent = int64(len(log))+1, 1
	if len(log) > 0 {
		sc.FirstEvent = log[len(log)-1].LastEvent() + 1
	}
	l.topics[c.Topic] = append(log, sc)
	if c.Stream != "" {
		l.streams[c.Stream] = append(l.streams[c.Stream], sc)
	}
	l.byID[c.ID] = sc
	return eventstore.AppendResult{StoredCommit: cloneStored(sc)}, nil
}

// ReadStream returns a stream's commits and its revision.
func (l *Log) ReadStream(ctx context.Context, stream string) ([]eventstore.StoredCommit, eventstore.Revision, error) {
	if stream == "" {
		return nil, eventstore.NoStream, fmt.Errorf("read stream: %w: empty stream name", eventstore.ErrInvalidCommit)
	}
	if err := ctx.Err(); err != nil {
		return nil, eventstore.NoStream, fmt.Errorf("read stream %s: %w", stream, err)
	}
	l.mu.Lock()
	commits := cloneAll(l.streams[stream])
	l.mu.Unlock()
	if len(commits) == 0 {
		return nil, eventstore.NoStream, nil
	}
	return commits, commits[len(commits)-1].Revision(), nil
}

// ReadLog returns up to limit commits of a topic from position from
// (inclusive), in order; it ends at the head.
func (l *Log) ReadLog(ctx context.Context, topic string, from int64, limit int) ([]eventstore.StoredCommit, error) {
	if topic == "" {
		topic = eventstore.DefaultTopic
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read log %s from %d: %w", topic, from, err)
	}
	from = max(from, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	log := l.topics[topic]
	if limit <= 0 || from > int64(len(log)) {
		return nil, nil
	}
	end := int64(len(log))
	if n := int64(limit); n < end-(from-1) {
		end = from - 1 + n
	}
	return cloneAll(log[from-1 : end]), nil
}

// Head returns the position of the last commit of a topic (0 when empty).
func (l *Log) Head(ctx context.Context, topic string) (int64, error) {
	if topic == "" {
		topic = eventstore.DefaultTopic
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("head of %s: %w", topic, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.topics[topic])), nil
}

// The log hands out copies and keeps copies: a caller changing a record it
// appended or read cannot change the history another caller reads, as with a
// database.

func cloneAll(cs []eventstore.StoredCommit) []eventstore.StoredCommit {
	if len(cs) == 0 {
		return nil
	}
	out := make([]eventstore.StoredCommit, len(cs))
	for i, c := range cs {
		out[i] = cloneStored(c)
	}
	return out
}

func cloneStored(c eventstore.StoredCommit) eventstore.StoredCommit {
	c.Commit = cloneCommit(c.Commit)
	return c
}

func cloneCommit(c eventstore.Commit) eventstore.Commit {
	c.Subjects = slices.Clone(c.Subjects)
	c.Records = slices.Clone(c.Records)
	for i, r := range c.Records {
		c.Records[i].Data = bytes.Clone(r.Data)
		c.Records[i].Metadata = maps.Clone(r.Metadata)
		if r.Sealed != nil {
			s := *r.Sealed
			s.Nonce, s.Ciphertext = bytes.Clone(s.Nonce), bytes.Clone(s.Ciphertext)
			c.Records[i].Sealed = &s
		}
	}
	return c
}
