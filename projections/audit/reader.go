package audit

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Reader reads the timeline from the live generation. It caches pages by
// the entry count their scope's index gives them.
type Reader struct {
	target func(ctx context.Context) (projections.Target, error)
	// timelinePages holds timeline pages as read, by "<generation>/<scope>/<n>".
	timelinePages *lru.Cache[string, cachedPage]
}

// NewReader returns a Reader.
func NewReader(target func(ctx context.Context) (projections.Target, error)) *Reader {
	timelinePages, err := lru.New[string, cachedPage](maxCachedPages)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &Reader{target: target, timelinePages: timelinePages}
}

// Query selects timeline entries. Guild is required; Ticket narrows to one
// ticket; Actor and Type filter; Before is a cursor (a position, exclusive).
type Query struct {
	Guild, Ticket, Actor, Type string
	Before                     int64
	Limit                      int // default 50, at most 500
}

// Page is a page of entries, newest first, and the cursor of the next one
// (0 when there is none).
type Page struct {
	Entries []Entry `json:"entries"`
	Next    int64   `json:"next,omitempty"`
}

// page returns the entries of the index's i-th page, from the cache when
// the index's count says it did not change.
func (r *Reader) page(ctx context.Context, coll *mongo.Collection, gen int, idx *index, i int) ([]Entry, error) {
	key := fmt.Sprintf("%d/%s/%d", gen, idx.ID, idx.Pages[i])
	c, ok := r.timelinePages.Get(key)
	if ok && i < len(idx.Counts) && c.count == idx.Counts[i] {
		return c.entries, nil
	}
	p, err := mongodb.FindByID[page](ctx, coll, fmt.Sprintf("%s/%d", idx.ID, idx.Pages[i]))
	if err != nil || p == nil {
		return nil, err
	}
	r.timelinePages.Add(key, cachedPage{count: len(p.Entries), entries: p.Entries})
	return p.Entries, nil
}

type cachedPage struct {
	count   int
	entries []Entry // shared: never modified
}

// maxCachedPages bounds the page cache.
const maxCachedPages = 8192

// Timeline returns entries newest first.
func (r *Reader) Timeline(ctx context.Context, q Query) (Page, error) {
	t, err := r.target(ctx)
	if err != nil {
		return Page{}, err
	}
	coll := t.Conn.DB.Collection(t.Collection("audit"))
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	scope := "g/" + q.Guild
	if q.Ticket != "" {
		scope = "t/" + q.Ticket
	}
	idx, err := mongodb.FindByID[index](ctx, coll, scope)
	if err != nil {
		return Page{}, fmt.Errorf("audit %s: %w", scope, err)
	}
	out := Page{Entries: []Entry{}}
	if idx == nil {
		return out, nil
	}
	for i := len(idx.Pages) - 1; i >= 0; i-- {
		n := idx.Pages[i]
		if q.Before > 0 && n*PageSpan >= q.Before {
			continue
		}
		entries, err := r.page(ctx, coll, t.Generation, idx, i)
		if err != nil {
			return Page{}, fmt.Errorf("audit %s page %d: %w", scope, n, err)
		}
		for j := len(entries) - 1; j >= 0; j-- {
			e := entries[j]
			if (q.Before > 0 && e.Position >= q.Before) || e.Guild != q.Guild ||
				(q.Actor != "" && e.Actor != q.Actor) || (q.Type != "" && e.Type != q.Type) {
				continue
			}
			if len(out.Entries) == q.Limit {
				out.Next = out.Entries[len(out.Entries)-1].Position
				return out, nil
			}
			out.Entries = append(out.Entries, e)
		}
	}
	return out, nil
}

// Mismatch is a stream event whose stored chain hash differs from the one
// recomputed from the log.
type Mismatch struct {
	Stream   string
	Version  int64
	Position int64
	Stored   string
	Computed string
}

// StreamLoader reads a stream back from the log.
type StreamLoader interface {
	Load(ctx context.Context, stream string) (eventstore.History, error)
}

// CommitReader reads commits by their position in the log.
type CommitReader interface {
	ReadLog(ctx context.Context, topic string, from int64, max int) ([]eventstore.StoredCommit, error)
}

// Verify recomputes the hash chain of every audited stream from the log and
// compares it with what the timeline recorded when the events were new. A
// changed, removed or inserted event shows up as a mismatch. Each event is
// stored twice — in its commit, which projections read, and in its stream's
// copy, which decisions and exports read — and both must be the same: an
// edit of either copy is a mismatch.
func (r *Reader) Verify(ctx context.Context, store StreamLoader, commits CommitReader) (streams int, mismatches []Mismatch, err error) {
	t, err := r.target(ctx)
	if err != nil {
		return 0, nil, err
	}
	coll := t.Conn.DB.Collection(t.Collection("audit"))
	// The chain heads are found by a query: on FerretDB/SQLite a scan, fine
	// for an operator's command.
	cur, err := coll.Find(ctx, bson.D{{Key: "stream", Value: bson.D{{Key: "$exists", Value: true}}}, {Key: "hash", Value: bson.D{{Key: "$exists", Value: true}}}, {Key: "entries", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err != nil {
		return 0, nil, mongodb.Classify(err)
	}
	var heads []chain
	if err := cur.All(ctx, &heads); err != nil {
		return 0, nil, mongodb.Classify(err)
	}
	slices.SortFunc(heads, func(a, b chain) int {
		if a.Stream < b.Stream {
			return -1
		}
		return 1
	})
	for _, h := range heads {
		hist, err := store.Load(ctx, h.Stream)
		if err != nil {
			return streams, mismatches, err
		}
		prev := ""
		for i, env := range hist.Envelopes {
			if int64(i) >= h.Version {
				break
			}
			e := projections.Event{Envelope: env, Event: hist.Events[i]}
			prev = link(prev, e)
			if same, err := sameAsCommit(ctx, commits, env); err != nil {
				return streams, mismatches, err
			} else if !same {
				mismatches = append(mismatches, Mismatch{Stream: h.Stream, Version: env.Version, Position: env.Position,
					Stored: "the commit's copy", Computed: "differs from the stream's copy"})
			}
			if !audited(e) {
				continue
			}
			stored, err := r.storedHash(ctx, coll, env)
			if err != nil {
				return streams, mismatches, err
			}
			if stored != prev {
				mismatches = append(mismatches, Mismatch{Stream: h.Stream, Version: env.Version, Position: env.Position, Stored: stored, Computed: prev})
			}
		}
		if prev != h.Hash {
			mismatches = append(mismatches, Mismatch{Stream: h.Stream, Version: h.Version, Stored: h.Hash, Computed: prev})
		}
		streams++
	}
	return streams, mismatches, nil
}

// sameAsCommit reports whether an event read from its stream is, field for
// field, the event in its commit.
func sameAsCommit(ctx context.Context, commits CommitReader, env eventstore.Envelope) (bool, error) {
	cs, err := commits.ReadLog(ctx, env.Topic, env.CommitPosition, 1)
	if err != nil {
		return false, err
	}
	if len(cs) != 1 || cs[0].Position != env.CommitPosition {
		return false, nil
	}
	envs := cs[0].Envelopes()
	if env.Index >= len(envs) {
		return false, nil
	}
	c := envs[env.Index]
	return c.ID == env.ID && c.Type == env.Type && bytes.Equal(c.Data, env.Data) && sameSealed(c.Sealed, env.Sealed) &&
		maps.Equal(c.Metadata, env.Metadata) && c.Stream == env.Stream && c.Version == env.Version && c.Position == env.Position &&
		c.CommitID == env.CommitID && c.OccurredAt.Equal(env.OccurredAt) && c.Guild == env.Guild && c.Actor == env.Actor &&
		c.Correlation == env.Correlation && c.Causation == env.Causation, nil
}

func sameSealed(a, b *eventstore.Sealed) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.KeyID == b.KeyID && a.KeyGen == b.KeyGen && bytes.Equal(a.Nonce, b.Nonce) && bytes.Equal(a.Ciphertext, b.Ciphertext)
}

// storedHash returns the hash the timeline recorded for an event.
func (r *Reader) storedHash(ctx context.Context, coll *mongo.Collection, env eventstore.Envelope) (string, error) {
	p, err := mongodb.FindByID[page](ctx, coll, fmt.Sprintf("g/%s/%d", env.Guild, env.Position/PageSpan))
	if err != nil || p == nil {
		return "", err
	}
	i, found := slices.BinarySearchFunc(p.Entries, env.Position, func(x Entry, pos int64) int { return cmp.Compare(x.Position, pos) })
	if !found {
		return "", nil
	}
	return p.Entries[i].Hash, nil
}
