// Package mongostore is the event log on MongoDB (and FerretDB): atomic
// multi-event appends without transactions, optimistic concurrency per
// stream, idempotent retries, and a gap-free total order per topic that
// readers follow without change streams. See docs.go for the layout and
// docs/ARCHITECTURE.md for the reasoning.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Config tunes the log. Zero values take the documented defaults.
type Config struct {
	// Collection holds commits and stream entries; default "events".
	// WARNING: renaming it on an existing database loses the log.
	Collection string
	// MaxBatch is the most commits one group-commit insertMany carries; default 128.
	MaxBatch int
	// ReadAhead is how many _id lookups a log or stream read runs at once; default 16.
	ReadAhead int
	// CachedStreams bounds the stream-revision and stream-commit caches;
	// default 20,000; negative disables them (every read goes to the database).
	CachedStreams int
	// WriteAttempts bounds retries of a batch after the database failed to
	// answer; default 4.
	WriteAttempts int
}

func (c Config) withDefaults() Config {
	if c.Collection == "" {
		c.Collection = "events"
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 128
	}
	if c.ReadAhead <= 0 {
		c.ReadAhead = 16
	}
	if c.CachedStreams == 0 {
		c.CachedStreams = 20_000
	}
	if c.WriteAttempts <= 0 {
		c.WriteAttempts = 4
	}
	return c
}

// Log is the event log on one MongoDB collection.
type Log struct {
	conn *mongodb.Conn
	coll *mongo.Collection
	cfg  Config

	mu      sync.Mutex
	writers map[string]*topicWriter
	signals map[string]chan struct{}
	closed  bool
	wg      sync.WaitGroup

	streams *streamCache
	recent  *recentCommits
	// heads remembers the last head found per topic: a commit never goes
	// away, so the next Head searches onwards from it (two lookups when
	// nothing was appended) instead of from the start (~2·log2(head)).
	heads sync.Map // topic → int64
}

// recentCommits keeps the commits this process wrote last, by _id, so that
// the subscribers in the same process — one per projector and reactor, each
// reading every commit — find them without a round trip. A stored commit
// never changes, so the cache cannot be stale; it only saves lookups.
type recentCommits struct {
	mu    sync.Mutex
	byID  map[string]commitDoc
	order []string
	max   int
}

func newRecentCommits(max int) *recentCommits {
	return &recentCommits{byID: make(map[string]commitDoc, max), max: max}
}

func (r *recentCommits) put(d commitDoc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byID[d.ID]; ok {
		return
	}
	if len(r.order) >= r.max {
		delete(r.byID, r.order[0])
		r.order = r.order[1:]
	}
	r.byID[d.ID] = d
	r.order = append(r.order, d.ID)
}

func (r *recentCommits) get(id string) (commitDoc, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.byID[id]
	return d, ok
}

var _ eventstore.Log = (*Log)(nil)

// Open prepares the collection and its unique indexes.
func Open(ctx context.Context, conn *mongodb.Conn, cfg Config) (*Log, error) {
	cfg = cfg.withDefaults()
	// WARNING: these index definitions are what makes appends atomic and
	// idempotent. They are sparse because stream entries (and stream-less
	// commits) do not have the fields.
	coll, err := conn.Collection(ctx, cfg.Collection,
		mongo.IndexModel{
			Keys:    bson.D{{Key: "stream", Value: 1}, {Key: "seq", Value: 1}},
			Options: options.Index().SetName("stream_seq_unique").SetUnique(true).SetSparse(true),
		},
		mongo.IndexModel{
			Keys:    bson.D{{Key: "cid", Value: 1}},
			Options: options.Index().SetName("commit_id_unique").SetUnique(true).SetSparse(true),
		},
	)
	if err != nil {
		return nil, fmt.Errorf("open event log: %w", err)
	}
	return &Log{
		conn: conn, coll: coll, cfg: cfg,
		writers: map[string]*topicWriter{}, signals: map[string]chan struct{}{},
		streams: newStreamCache(cfg.CachedStreams),
		recent:  newRecentCommits(4096),
	}, nil
}

// Close stops the writers after they finish the batches they hold.
func (l *Log) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	for _, w := range l.writers {
		close(w.quit)
	}
	l.mu.Unlock()
	l.wg.Wait()
}

func unavailable(err error) error {
	if err == nil {
		return nil
	}
	err = mongodb.Classify(err)
	if errors.Is(err, mongodb.ErrUnavailable) {
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	return err
}

// findCommit looks a commit up by topic and position; nil when absent.
func (l *Log) findCommit(ctx context.Context, topic string, pos int64) (*commitDoc, error) {
	if d, ok := l.recent.get(commitKey(topic, pos)); ok {
		return &d, nil
	}
	d, err := mongodb.FindByID[commitDoc](ctx, l.coll, commitKey(topic, pos))
	return d, unavailable(err)
}

// findEntry looks a stream entry up; nil when absent.
func (l *Log) findEntry(ctx context.Context, stream string, seq int64) (*commitDoc, error) {
	d, err := mongodb.FindByID[entryDoc](ctx, l.coll, entryKey(stream, seq))
	if d == nil || err != nil {
		return nil, unavailable(err)
	}
	return &d.C, nil
}

// findBy runs a query that is not an _id lookup. On FerretDB/SQLite it scans
// the collection, so only rare repair paths use it.
func (l *Log) findBy(ctx context.Context, filter bson.D) (*commitDoc, error) {
	var d commitDoc
	err := l.coll.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable(err)
	}
	return &d, nil
}

// lookupRun fetches keys [from, from+n) concurrently and returns the
// documents found before the first missing one: a contiguous run.
func lookupRun(ctx context.Context, n int, from int64, get func(context.Context, int64) (*commitDoc, error)) ([]commitDoc, bool, error) {
	docs := make([]*commitDoc, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			docs[i], errs[i] = get(ctx, from+int64(i))
		}()
	}
	wg.Wait()
	var out []commitDoc
	for i := range n {
		if errs[i] != nil {
			return out, false, errs[i]
		}
		if docs[i] == nil {
			return out, true, nil // the end: later keys may exist by now, but are read next time
		}
		out = append(out, *docs[i])
	}
	return out, false, nil
}

// ReadLog returns up to max commits of a topic from position from (inclusive),
// in order and without gaps: it stops at the first position not yet written.
//
// A live subscriber reads at the head: the commits this process just wrote
// come from the recent cache, and the first one it did not write is probed
// alone — a window of ReadAhead lookups there would be ReadAhead misses, for
// each of the process's subscribers on every wake. The window doubles while
// the log goes on (a subscriber catching up reaches ReadAhead in four reads).
func (l *Log) ReadLog(ctx context.Context, topic string, from int64, max int) ([]eventstore.StoredCommit, error) {
	if topic == "" {
		topic = eventstore.DefaultTopic
	}
	if from < 1 {
		from = 1
	}
	var out []eventstore.StoredCommit
	window := 1
	for len(out) < max {
		if d, ok := l.recent.get(commitKey(topic, from)); ok {
			out = append(out, d.toStored())
			from++
			continue
		}
		n := min(window, max-len(out))
		docs, end, err := lookupRun(ctx, n, from, func(ctx context.Context, p int64) (*commitDoc, error) {
			return l.findCommit(ctx, topic, p)
		})
		for _, d := range docs {
			out = append(out, d.toStored())
		}
		if err != nil {
			return out, fmt.Errorf("read log %s from %d: %w", topic, from, err)
		}
		from += int64(len(docs))
		if end {
			break
		}
		window = min(window*2, l.cfg.ReadAhead)
	}
	return out, nil
}

// ReadStream returns a stream's commits and its revision. Commits read before
// are served from a cache; the store is asked only for what came after.
func (l *Log) ReadStream(ctx context.Context, stream string) ([]eventstore.StoredCommit, eventstore.Revision, error) {
	if stream == "" {
		return nil, eventstore.NoStream, fmt.Errorf("read stream: %w: empty stream name", eventstore.ErrInvalidCommit)
	}
	commits := l.streams.commits(stream)
	// A cold read fetches the first 6 entries at once (most ticket streams are
	// shorter); after a full window it probes one more, then doubles.
	window := 6
	if len(commits) > 0 {
		window = 1 // a warm read: usually nothing new
	}
	for round := 0; ; round++ {
		from := int64(len(commits)) + 1
		docs, end, err := lookupRun(ctx, window, from, func(ctx context.Context, seq int64) (*commitDoc, error) {
			return l.findEntry(ctx, stream, seq)
		})
		if err != nil {
			return nil, eventstore.NoStream, fmt.Errorf("read stream %s: %w", stream, err)
		}
		for _, d := range docs {
			commits = append(commits, d.toStored())
		}
		if end {
			break
		}
		if round == 0 {
			window = 1
		} else {
			window = min(window*2, l.cfg.ReadAhead)
		}
	}
	rev := eventstore.NoStream
	if n := len(commits); n > 0 {
		rev = commits[n-1].Revision()
	}
	l.streams.put(stream, slices.Clone(commits), rev)
	return commits, rev, nil
}

// Head returns the position of the last commit of a topic (0 when empty).
func (l *Log) Head(ctx context.Context, topic string) (int64, error) {
	if topic == "" {
		topic = eventstore.DefaultTopic
	}
	exists := func(p int64) (bool, error) {
		d, err := l.findCommit(ctx, topic, p)
		return d != nil, err
	}
	var known int64
	if v, ok := l.heads.Load(topic); ok {
		known = v.(int64)
		// Checked, not trusted: a test may empty the collection under us.
		if ok, err := exists(known); err != nil {
			return 0, err
		} else if !ok {
			known = 0
		}
	}
	head, err := mongodb.LastDense(known, exists)
	if err == nil && head > 0 {
		l.heads.Store(topic, head)
	}
	return head, err
}

// LastEvent returns the global position of a topic's last event and the
// position of the commit that holds it (0, 0 when the topic is empty): where
// a consumer that has seen everything stands.
func (l *Log) LastEvent(ctx context.Context, topic string) (event, commit int64, err error) {
	head, err := l.Head(ctx, topic)
	if err != nil || head == 0 {
		return 0, 0, err
	}
	commits, err := l.ReadLog(ctx, topic, head, 1)
	if err != nil {
		return 0, 0, err
	}
	if len(commits) == 0 { // Head found it: only a log being emptied under us gets here
		return 0, 0, fmt.Errorf("last event of %s: commit %d vanished", topic, head)
	}
	return commits[0].LastEvent(), head, nil
}

// Wait returns a channel closed at the next append to topic by this process.
// Readers in other processes poll; see the subscriber's PollInterval.
func (l *Log) Wait(topic string) <-chan struct{} {
	if topic == "" {
		topic = eventstore.DefaultTopic
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.signals[topic]
	if !ok {
		ch = make(chan struct{})
		l.signals[topic] = ch
	}
	return ch
}

func (l *Log) signal(topic string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.signals[topic]; ok {
		close(ch)
		delete(l.signals, topic)
	}
}

// Ping checks the database answers.
func (l *Log) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := l.conn.Client.Ping(ctx, nil); err != nil {
		return unavailable(err)
	}
	return nil
}
