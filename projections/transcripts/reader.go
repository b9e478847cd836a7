package transcripts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ticketify/ticketify/internal/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Errors of the reader.
var (
	ErrNotFound = errors.New("no transcript for that ticket")
	ErrExpired  = errors.New("the transcript was deleted when its retention period ended")
)

// Reader reads transcripts from the live generation.
type Reader struct {
	target func(ctx context.Context) (projections.Target, error)
}

// NewReader returns a Reader.
func NewReader(target func(ctx context.Context) (projections.Target, error)) *Reader {
	return &Reader{target: target}
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
		CloseReason: h.CloseReason, People: h.People, Entries: make([]Entry, 0, h.Count)}
	for n := range h.Chunks {
		c, err := mongodb.FindByID[chunk](ctx, coll, chunkID(h.ID, n))
		if err != nil {
			return Transcript{}, fmt.Errorf("transcript %s chunk %d: %w", ticketID, n, err)
		}
		if c != nil {
			out.Entries = append(out.Entries, c.Entries...)
		}
	}
	slices.SortStableFunc(out.Entries, func(a, b Entry) int { return cmp.Compare(a.Position, b.Position) })
	return out, nil
}
