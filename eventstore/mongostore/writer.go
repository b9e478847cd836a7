package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Appends to one topic go through one writer goroutine (group commit): it
// takes every request waiting, gives them consecutive positions and writes
// them with one ordered insertMany. Positions follow the rule that keeps the
// log gap-free without transactions: a commit takes position N+1 only after
// N is known to be written, and an ordered insert stops at its first
// failure, so whatever lands is a contiguous run after the head. A request
// whose insert failed is diagnosed by _id lookups (position taken? stream
// moved? already stored?) and either answered or retried in the next batch.

type appendRequest struct {
	ctx      context.Context
	commit   eventstore.Commit
	expected eventstore.Revision
	done     chan appendOutcome

	// assigned by the writer for one attempt
	stored eventstore.StoredCommit
}

type appendOutcome struct {
	res eventstore.AppendResult
	err error
}

type topicWriter struct {
	log   *Log
	topic string
	reqs  chan *appendRequest
	quit  chan struct{}

	// owned by the writer goroutine
	headKnown bool
	nextPos   int64 // position the next commit takes
	nextEvent int64 // global position its first record takes
}

// Append stores a commit atomically at the expected revision of its stream.
func (l *Log) Append(ctx context.Context, c eventstore.Commit, expected eventstore.Revision) (eventstore.AppendResult, error) {
	if c.Topic == "" {
		c.Topic = eventstore.DefaultTopic
	}
	// BSON dates have millisecond precision: fix the time to what the database
	// keeps, so a commit served from the stream cache equals the stored one.
	c.At = c.At.UTC().Truncate(time.Millisecond)
	if err := c.Validate(); err != nil {
		return eventstore.AppendResult{}, err
	}
	if c.Stream == "" && !expected.IsAny() && expected != eventstore.NoStream {
		return eventstore.AppendResult{}, fmt.Errorf("%w: a stream-less commit has no revision to expect", eventstore.ErrInvalidCommit)
	}
	w, err := l.writer(c.Topic)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	req := &appendRequest{ctx: ctx, commit: c, expected: expected, done: make(chan appendOutcome, 1)}
	select {
	case w.reqs <- req:
	case <-ctx.Done():
		return eventstore.AppendResult{}, ctx.Err()
	case <-w.quit:
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	// Once queued, the request is answered even if ctx ends: the caller must
	// learn whether the commit was stored.
	out := <-req.done
	return out.res, out.err
}

func (l *Log) writer(topic string) (*topicWriter, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, eventstore.ErrClosed
	}
	w, ok := l.writers[topic]
	if !ok {
		w = &topicWriter{log: l, topic: topic, reqs: make(chan *appendRequest, l.cfg.MaxBatch), quit: make(chan struct{})}
		l.writers[topic] = w
		l.wg.Add(1)
		go w.run()
	}
	return w, nil
}

func (w *topicWriter) run() {
	defer w.log.wg.Done()
	for {
		var first *appendRequest
		select {
		case first = <-w.reqs:
		case <-w.quit:
			w.drainClosed()
			return
		}
		batch := []*appendRequest{first}
	fill:
		for len(batch) < w.log.cfg.MaxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		w.write(batch)
	}
}

func (w *topicWriter) drainClosed() {
	for {
		select {
		case r := <-w.reqs:
			r.done <- appendOutcome{err: eventstore.ErrClosed}
		default:
			return
		}
	}
}

// write stores a batch, retrying what a failed insert left over, and answers
// every request exactly once.
func (w *topicWriter) write(batch []*appendRequest) {
	pending := batch
	failures := 0
	for len(pending) > 0 {
		pending = dropCancelled(pending)
		if len(pending) == 0 {
			return
		}
		next, err := w.attempt(pending)
		if err == nil {
			pending, failures = next, 0
			continue
		}
		// The database did not answer: part of the batch may be stored. Forget
		// the head and try again; commit ids make the retry idempotent.
		w.headKnown = false
		failures++
		if failures >= w.log.cfg.WriteAttempts {
			for _, r := range pending {
				r.done <- appendOutcome{err: fmt.Errorf("append to topic %s: %w", w.topic, err)}
			}
			return
		}
		time.Sleep(time.Duration(failures*failures) * 100 * time.Millisecond)
	}
}

func dropCancelled(reqs []*appendRequest) []*appendRequest {
	out := reqs[:0]
	for _, r := range reqs {
		if err := r.ctx.Err(); err != nil {
			r.done <- appendOutcome{err: err}
			continue
		}
		out = append(out, r)
	}
	return out
}

// attempt writes one insertMany for the pending requests. It answers the
// requests it settles and returns those to retry. An error means the
// database failed; nothing was answered.
func (w *topicWriter) attempt(pending []*appendRequest) ([]*appendRequest, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !w.headKnown {
		if err := w.discoverHead(ctx, 0); err != nil {
			return nil, err
		}
	}
	var docs []any
	var owner []int // docs[i] belongs to pending[owner[i]]
	var isEntry []bool
	pos, event := w.nextPos, w.nextEvent
	anySeq := map[string]eventstore.Revision{} // stream ends within this batch, for Any appends
	for i, r := range pending {
		c := r.commit
		sc := eventstore.StoredCommit{Commit: c, Position: pos, FirstEvent: event}
		if c.Stream != "" {
			base := r.expected
			if r.expected.IsAny() {
				if b, ok := anySeq[c.Stream]; ok {
					base = b
				} else if b, err := w.streamEnd(ctx, c.Stream); err != nil {
					return nil, err
				} else {
					base = b
				}
			}
			sc.Seq, sc.FirstVersion = base.Commits()+1, base.Events()+1
			anySeq[c.Stream] = sc.Revision()
		}
		r.stored = sc
		doc := toCommitDoc(sc)
		docs, owner, isEntry = append(docs, doc), append(owner, i), append(isEntry, false)
		if c.Stream != "" {
			docs = append(docs, entryDoc{ID: entryKey(c.Stream, sc.Seq), C: doc})
			owner, isEntry = append(owner, i), append(isEntry, true)
		}
		pos++
		event += int64(len(c.Records))
	}

	_, err := w.log.coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
	failedDoc := len(docs)
	var writeErr error
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 || bwe.WriteConcernError != nil {
			return nil, unavailable(err)
		}
		first := bwe.WriteErrors[0]
		for _, we := range bwe.WriteErrors {
			if we.Index < first.Index {
				first = we
			}
		}
		failedDoc = first.Index
		if !mongodb.IsDuplicateKey(mongo.WriteException{WriteErrors: []mongo.WriteError{first.WriteError}}) {
			writeErr = fmt.Errorf("append to topic %s: %w", w.topic, first)
		}
	}

	for i := range failedDoc { // what landed, for this process's readers
		if d, ok := docs[i].(commitDoc); ok {
			w.log.recent.put(d)
		}
	}
	// Requests whose documents all landed are stored. When only the entry of a
	// request failed, its commit landed and the entry already describes it
	// (entries are written only for stored commits, and (stream, seq) is unique).
	failedReq := len(pending)
	if failedDoc < len(docs) {
		failedReq = owner[failedDoc]
		if isEntry[failedDoc] {
			failedReq++
		}
	}
	for _, r := range pending[:failedReq] {
		w.stored(r, false)
	}
	if failedReq == len(pending) {
		return nil, nil
	}
	rest := pending[failedReq+1:]
	r := pending[failedReq]
	if writeErr != nil {
		r.done <- appendOutcome{err: writeErr}
		return rest, nil
	}
	retry, err := w.diagnose(ctx, r)
	if err != nil {
		return nil, err
	}
	if retry {
		return append([]*appendRequest{r}, rest...), nil
	}
	return rest, nil
}

// stored answers a request whose commit is in the log and moves the head on.
func (w *topicWriter) stored(r *appendRequest, already bool) {
	sc := r.stored
	if !already {
		w.nextPos = sc.Position + 1
		w.nextEvent = sc.LastEvent() + 1
		w.log.signal(w.topic)
	}
	if sc.Stream != "" {
		w.log.streams.appended(sc)
	}
	r.done <- appendOutcome{res: eventstore.AppendResult{StoredCommit: sc, AlreadyStored: already}}
}

// diagnose finds out why a commit's insert hit a unique index, by lookups:
// its position was taken (by another process, or a batch this one lost track
// of), its stream moved on, or the same commit id is already stored. It
// answers the request or asks for a retry.
func (w *topicWriter) diagnose(ctx context.Context, r *appendRequest) (retry bool, err error) {
	sc := r.stored
	at, err := w.log.findCommit(ctx, w.topic, sc.Position)
	if err != nil {
		return false, err
	}
	if at != nil {
		if at.CID == sc.ID {
			w.settledAlready(r, *at)
			return false, w.discoverHead(ctx, sc.Position)
		}
		return true, w.discoverHead(ctx, sc.Position)
	}
	if sc.Stream != "" {
		entry, err := w.log.findEntry(ctx, sc.Stream, sc.Seq)
		if err != nil {
			return false, err
		}
		if entry != nil {
			return w.streamMoved(r, *entry), nil
		}
	}
	// Neither the position nor the entry explains it: the commit id is stored
	// elsewhere, or a commit of this stream lost its entry (a crash between
	// the two documents on a server that applies insertMany one by one).
	// These queries scan on FerretDB/SQLite; they run only in this rare case.
	if byID, err := w.log.findBy(ctx, bson.D{{Key: "cid", Value: sc.ID}}); err != nil {
		return false, err
	} else if byID != nil {
		if err := w.repairEntry(ctx, *byID); err != nil {
			return false, err
		}
		w.settledAlready(r, *byID)
		return false, nil
	}
	if sc.Stream != "" {
		bySeq, err := w.log.findBy(ctx, bson.D{{Key: "stream", Value: sc.Stream}, {Key: "seq", Value: sc.Seq}})
		if err != nil {
			return false, err
		}
		if bySeq != nil {
			if err := w.repairEntry(ctx, *bySeq); err != nil {
				return false, err
			}
			return w.streamMoved(r, *bySeq), nil
		}
	}
	// The conflicting document vanished (it cannot: nothing deletes commits).
	r.done <- appendOutcome{err: fmt.Errorf("append to topic %s: unexplained duplicate key at position %d", w.topic, sc.Position)}
	return false, nil
}

// streamMoved handles a stream whose seq was taken by the commit other.
func (w *topicWriter) streamMoved(r *appendRequest, other commitDoc) (retry bool) {
	if other.CID == r.commit.ID {
		w.settledAlready(r, other)
		return false
	}
	w.log.streams.forget(r.commit.Stream)
	if r.expected.IsAny() {
		return true // recording a fact: append after whatever is there now
	}
	r.done <- appendOutcome{err: fmt.Errorf("%w: %s expected %s, but commit %d is %q",
		eventstore.ErrConcurrency, r.commit.Stream, r.expected, other.Seq, other.CID)}
	return false
}

func (w *topicWriter) settledAlready(r *appendRequest, d commitDoc) {
	r.stored = d.toStored()
	w.stored(r, true)
}

func (w *topicWriter) repairEntry(ctx context.Context, d commitDoc) error {
	if d.Stream == "" {
		return nil
	}
	_, err := w.log.coll.InsertOne(ctx, entryDoc{ID: entryKey(d.Stream, d.Seq), C: d})
	if err != nil && !mongodb.IsDuplicateKey(err) {
		return unavailable(err)
	}
	return nil
}

// discoverHead finds the topic's last commit, starting from a position known
// to exist (or 0), and sets where the next commit goes.
func (w *topicWriter) discoverHead(ctx context.Context, known int64) error {
	head, err := mongodb.LastDense(known, func(p int64) (bool, error) {
		d, err := w.log.findCommit(ctx, w.topic, p)
		return d != nil, err
	})
	if err != nil {
		return err
	}
	w.nextPos, w.nextEvent = head+1, 1
	if head > 0 {
		d, err := w.log.findCommit(ctx, w.topic, head)
		if err != nil {
			return err
		}
		if d == nil {
			return fmt.Errorf("%w: head commit %d of %s vanished", eventstore.ErrUnavailable, head, w.topic)
		}
		w.nextEvent = d.First + int64(len(d.Ev))
	}
	w.headKnown = true
	return nil
}

// streamEnd returns where a stream ends now, for an Any append: the cached
// revision when there is one (a stale one costs a retry), otherwise found by
// a galloping search over its entries.
func (w *topicWriter) streamEnd(ctx context.Context, stream string) (eventstore.Revision, error) {
	if rev, ok := w.log.streams.revision(stream); ok {
		return rev, nil
	}
	seq, err := mongodb.LastDense(0, func(s int64) (bool, error) {
		d, err := w.log.findEntry(ctx, stream, s)
		return d != nil, err
	})
	if err != nil || seq == 0 {
		return eventstore.NoStream, err
	}
	d, err := w.log.findEntry(ctx, stream, seq)
	if err != nil {
		return eventstore.NoStream, err
	}
	return d.toStored().Revision(), nil
}
