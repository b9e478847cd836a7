package transcripts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketify/ticketify/internal/platform/cache"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Errors of the reader.
var (
	ErrNotFound = errors.New("no transcript for that ticket")
	ErrExpired  = errors.New("the transcript was deleted when its retention period ended")
)

// Reader reads transcripts from the live generation. It caches chunks by
// the version their header gives them, so a transcript read again costs one
// header read plus the chunks that changed.
type Reader struct {
	target func(ctx context.Context) (projections.Target, error)
	// chunks holds transcript chunks as read, by "<generation>/<chunk id>".
	chunks *cache.Weighted[string, cachedChunk]
}

type cachedChunk struct {
	version int64
	entries []Entry // shared: never modified
}

// maxCachedEntries bounds the chunk cache by the entries its chunks hold.
const maxCachedEntries = 200_000

// NewReader returns a Reader.
func NewReader(target func(ctx context.Context) (projections.Target, error)) *Reader {
	return &Reader{target: target, chunks: cache.NewWeighted[string](maxCachedEntries, maxCachedEntries,
		func(c cachedChunk) int { return len(c.entries) })}
}

// chunk returns chunk n of the header, from the cache when its version
// matches; consistent says the chunk read is the one the header names.
func (r *Reader) chunk(ctx context.Context, coll *mongo.Collection, gen int, h *header, n int) (entries []Entry, consistent bool, err error) {
	key := fmt.Sprintf("%d/%s", gen, chunkID(h.ID, n))
	want := int64(-1)
	if n < len(h.ChunkV) {
		want = h.ChunkV[n]
	}
	c, ok := r.chunks.Get(key)
	if ok && c.version == want {
		return c.entries, true, nil
	}
	doc, err := mongodb.FindByID[chunk](ctx, coll, chunkID(h.ID, n))
	if err != nil || doc == nil {
		return nil, false, err
	}
	v := chunkVersion(doc.Entries)
	r.chunks.Add(key, cachedChunk{version: v, entries: doc.Entries})
	return doc.Entries, v == want, nil
}

// Get returns a ticket's transcript, entries in the order they happened.
func (r *Reader) Get(ctx context.Context, ticketID string) (Transcript, error) {
	t, err := r.target(ctx)
	if err != nil {
		return Transcript{}, err
	}
	coll := t.Conn.DB.Collection(t.Collection("transcripts"))
	h, err := mongodb.FindByID[header](ctx, coll, ticketID)
	if err != nil {
		return Transcript{}, fmt.Errorf("transcript %s: %w", ticketID, err)
	}
	if h == nil || h.Number == 0 {
		return Transcript{}, fmt.Errorf("%w: %s", ErrNotFound, ticketID)
	}
	if h.Expired {
		return Transcript{}, fmt.Errorf("%w: ticket %d", ErrExpired, h.Number)
	}
	out := Transcript{Schema: Schema, Ticket: h.ID, Guild: h.Guild, Number: h.Number, Name: h.Name, Category: h.Category,
		Opener: h.Opener, Topic: h.Topic, Answers: h.Answers, Status: h.Status, OpenedAt: h.OpenedAt, ClosedAt: h.ClosedAt,
		ClosedBy: h.ClosedBy, CloseReason: h.CloseReason, People: h.People, Entries: make([]Entry, 0, h.Count)}
	consistent := true
	var sum int64
	for n := range h.Chunks {
		entries, ok, err := r.chunk(ctx, coll, t.Generation, h, n)
		if err != nil {
			return Transcript{}, fmt.Errorf("transcript %s chunk %d: %w", ticketID, n, err)
		}
		consistent = consistent && ok
		out.Entries = append(out.Entries, entries...)
	}
	for _, v := range h.ChunkV {
		sum += v
	}
	slices.SortStableFunc(out.Entries, func(a, b Entry) int { return cmp.Compare(a.Position, b.Position) })
	if consistent {
		out.Revision = fmt.Sprintf("%s@%d/%d/%d/%d", h.ID, t.Generation, h.V, h.MV, sum)
	}
	return out, nil
}
