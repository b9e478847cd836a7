// Package subjects indexes the event log by the people and guilds each
// event names ("user:<id>", "guild:<id>"), so that a person's or a guild's
// events can be replayed without scanning the whole log — the basis of
// access and portability exports and of erasure.
//
// The index holds each stored record as it is in the log: its plain JSON and
// its personal data still sealed under the owner's key. Destroying a key
// erases the copies here as it does in the log; the index adds no plaintext.
// Records are kept by global position in chunks of PositionSpan positions,
// so a replay reads a subject's chunks in order and the result does not
// depend on delivery order.
package subjects

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Name is the projector's name and consumer group.
// WARNING: renaming it re-consumes the whole log.
const Name = "subject-index"

// PositionSpan is how many global positions one chunk covers.
const PositionSpan = 512

// Record is one event as stored, with its envelope.
type Record struct {
	Position   int64     `bson:"pos"`
	Stream     string    `bson:"stream"`
	Version    int64     `bson:"v"`
	ID         string    `bson:"id"`
	Type       string    `bson:"type"`
	OccurredAt time.Time `bson:"at"`
	Guild      string    `bson:"guild,omitempty"`
	User       string    `bson:"user,omitempty"`
	Source     string    `bson:"source,omitempty"`
	Because    string    `bson:"because,omitempty"`
	Data       string    `bson:"data"`
	KeyID      string    `bson:"key,omitempty"`
	KeyGen     int64     `bson:"gen,omitempty"`
	Nonce      []byte    `bson:"nonce,omitempty"`
	Ciphertext []byte    `bson:"ct,omitempty"`
}

// StoredRecord is the record in the event store's form, for the codec.
func (r Record) StoredRecord() eventstore.Record {
	rec := eventstore.Record{ID: r.ID, Type: r.Type, Data: []byte(r.Data)}
	if r.KeyID != "" {
		rec.Sealed = &eventstore.Sealed{KeyID: r.KeyID, KeyGen: r.KeyGen, Nonce: r.Nonce, Ciphertext: r.Ciphertext}
	}
	return rec
}

type chunk struct {
	ID      string   `bson:"_id"` // "c/<subject>/<n>"
	Records []Record `bson:"records"`
}

type head struct {
	ID     string  `bson:"_id"` // "h/<subject>"
	Chunks []int64 `bson:"chunks"`
}

// Projector builds the subject index.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// Version implements projections.Projector.
func (Projector) Version() int { return 2 }

// Collections implements projections.Projector.
func (Projector) Collections() []string { return []string{"subject_events"} }

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	coll, err := t.Conn.Collection(ctx, t.Collection("subject_events"))
	if err != nil {
		return nil, err
	}
	var codec *eventstore.Codec
	if t.Store != nil {
		codec = t.Store.Codec()
	}
	return &applier{codec: codec, docs: projections.NewDocs(coll, t)}, nil
}

type applier struct {
	codec *eventstore.Codec
	docs  *projections.Docs
}

// SubjectsOf lists whom an event names: its guild, its actor, and the
// user and guild ids among its fields (the same as the store records on
// each commit, per event).
func SubjectsOf(codec *eventstore.Codec, e projections.Event) []string {
	var out []string
	if e.Guild != "" {
		out = append(out, "guild:"+e.Guild)
	}
	if e.Actor.User != "" {
		out = append(out, "user:"+e.Actor.User)
	}
	if codec != nil && e.Event != nil {
		out = append(out, codec.Subjects(e.Event)...)
	}
	if p, ok := e.Event.(domain.PersonalEvent); ok {
		if o := p.DataOwner(); !o.Subject.IsZero() {
			out = append(out, "user:"+o.Subject.String())
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Apply implements projections.Applier.
func (a *applier) Apply(ctx context.Context, e projections.Event) error {
	rec := Record{Position: e.Position, Stream: e.Stream, Version: e.Version, ID: e.ID, Type: e.Type, OccurredAt: e.OccurredAt.UTC(),
		Guild: e.Guild, User: e.Actor.User, Source: e.Actor.Source, Because: e.Actor.Because, Data: string(e.Data)}
	if s := e.Sealed; s != nil {
		rec.KeyID, rec.KeyGen, rec.Nonce, rec.Ciphertext = s.KeyID, s.KeyGen, s.Nonce, s.Ciphertext
	}
	n := e.Position / PositionSpan
	for _, subject := range SubjectsOf(a.codec, e) {
		cid := fmt.Sprintf("c/%s/%d", subject, n)
		c, err := projections.Load(ctx, a.docs, cid, func() *chunk { return &chunk{ID: cid, Records: []Record{}} })
		if err != nil {
			return err
		}
		i, found := slices.BinarySearchFunc(c.Records, rec.Position, func(r Record, p int64) int { return cmp.Compare(r.Position, p) })
		if found {
			continue // a duplicate delivery
		}
		c.Records = slices.Insert(c.Records, i, rec)
		a.docs.Changed(cid)
		hid := "h/" + subject
		h, err := projections.Load(ctx, a.docs, hid, func() *head { return &head{ID: hid, Chunks: []int64{}} })
		if err != nil {
			return err
		}
		if j, ok := slices.BinarySearch(h.Chunks, n); !ok {
			h.Chunks = slices.Insert(h.Chunks, j, n)
			a.docs.Changed(hid)
		}
	}
	return nil
}

// Flush implements projections.Applier.
func (a *applier) Flush(ctx context.Context) error {
	if err := a.docs.Flush(ctx); err != nil {
		return fmt.Errorf("subject index: %w", err)
	}
	return nil
}

// Reader replays a subject's records from the live generation.
type Reader struct {
	target func(ctx context.Context) (projections.Target, error)
}

// NewReader returns a Reader.
func NewReader(target func(ctx context.Context) (projections.Target, error)) *Reader {
	return &Reader{target: target}
}

// Each calls f with every record naming the subject, in log order, reading
// one chunk at a time (memory stays bounded by a chunk, whatever the
// subject's history). f returning an error stops the walk.
func (r *Reader) Each(ctx context.Context, subject string, f func(Record) error) error {
	t, err := r.target(ctx)
	if err != nil {
		return err
	}
	coll := t.Conn.DB.Collection(t.Collection("subject_events"))
	h, err := mongodb.FindByID[head](ctx, coll, "h/"+subject)
	if err != nil {
		return fmt.Errorf("subject %s: %w", subject, err)
	}
	if h == nil {
		return nil
	}
	// Read one chunk ahead while the caller works on the current one.
	type result struct {
		c   *chunk
		err error
	}
	next := func(n int64) <-chan result {
		ch := make(chan result, 1)
		go func() {
			c, err := mongodb.FindByID[chunk](ctx, coll, fmt.Sprintf("c/%s/%d", subject, n))
			ch <- result{c, err}
		}()
		return ch
	}
	var pending <-chan result
	if len(h.Chunks) > 0 {
		pending = next(h.Chunks[0])
	}
	for i := range h.Chunks {
		res := <-pending
		if i+1 < len(h.Chunks) {
			pending = next(h.Chunks[i+1])
		}
		if res.err != nil {
			return fmt.Errorf("subject %s chunk %d: %w", subject, h.Chunks[i], res.err)
		}
		if res.c == nil {
			continue
		}
		for _, rec := range res.c.Records {
			if err := f(rec); err != nil {
				return err
			}
		}
	}
	return nil
}
