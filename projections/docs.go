package projections

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/internal/mongodb"
)

// Docs is a projector's write-behind view of one collection. A document is
// read once by _id (the one lookup every backend indexes), changed in memory
// by Apply, and written at Flush: new documents in one insertMany, changed
// ones replaced and removed ones deleted in one bulk write. An applier is
// the only writer of its generation (its consumer group lease), which is
// what makes caching sound; FerretDB has no atomic conditional update.
//
// In a fresh generation (a rebuild) every document the applier has not
// written yet is known to be absent, so a rebuild does no reads at all.
type Docs struct {
	coll  *mongo.Collection
	docs  map[string]*cached
	fresh bool                // the generation started empty: known lists what exists
	known map[string]struct{} // ids written in a fresh generation
	max   int
}

type cached struct {
	v       any
	stored  bool // the database holds a version of it
	dirty   bool
	deleted bool
}

// DocsCacheSize is how many documents a Docs keeps after a flush.
const DocsCacheSize = 20_000

// maxKnown bounds what a fresh generation remembers; past it, it reads.
const maxKnown = 2_000_000

// NewDocs returns the write-behind view of a collection of target t.
func NewDocs(coll *mongo.Collection, t Target) *Docs {
	d := &Docs{coll: coll, docs: map[string]*cached{}, fresh: t.Fresh, max: DocsCacheSize}
	if d.fresh {
		d.known = map[string]struct{}{}
	}
	return d
}

// Load returns the document with the given id, reading it on first use; a
// missing one is made by zero and written at the next flush only if
// changed (Changed). The pointer stays valid until the next Flush.
func Load[T any](ctx context.Context, d *Docs, id string, zero func() *T) (*T, error) {
	if c, ok := d.docs[id]; ok {
		if c.deleted && c.v == nil {
			c.v = zero() // still deleted at the next flush unless Changed
		}
		v, ok := c.v.(*T)
		if !ok {
			return nil, fmt.Errorf("%s %s holds a %T, not a %T", d.coll.Name(), id, c.v, v)
		}
		return v, nil
	}
	if d.fresh {
		if _, ok := d.known[id]; !ok {
			v := zero()
			d.docs[id] = &cached{v: v}
			return v, nil
		}
	}
	v, err := mongodb.FindByID[T](ctx, d.coll, id)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", d.coll.Name(), id, err)
	}
	stored := v != nil
	if v == nil {
		v = zero()
	}
	d.docs[id] = &cached{v: v, stored: stored}
	return v, nil
}

// Changed marks a loaded document for writing.
func (d *Docs) Changed(id string) {
	if c, ok := d.docs[id]; ok {
		c.dirty, c.deleted = true, false
	}
}

// Put sets a document and marks it for writing.
func (d *Docs) Put(id string, v any) {
	c, ok := d.docs[id]
	if !ok {
		_, known := d.known[id]
		c = &cached{stored: known} // unknown: inserted, or replaced if it turns out to exist
		d.docs[id] = c
	}
	c.v, c.dirty, c.deleted = v, true, false
}

// Delete removes a document at the next flush.
func (d *Docs) Delete(id string) {
	c, ok := d.docs[id]
	if !ok {
		_, known := d.known[id]
		c = &cached{stored: !d.fresh || known}
		d.docs[id] = c
	}
	c.v, c.dirty, c.deleted = nil, true, true
}

// Flush writes every change. On failure nothing is forgotten: the next
// flush writes again (replaces and deletes are idempotent; an insert that
// finds its document already there replaces it).
func (d *Docs) Flush(ctx context.Context) error {
	var inserts []any
	var insertIDs []string
	var writes []mongo.WriteModel
	for id, c := range d.docs {
		switch {
		case !c.dirty:
		case c.deleted && c.stored:
			writes = append(writes, mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}))
		case c.deleted:
		case c.stored:
			writes = append(writes, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(c.v).SetUpsert(true))
		default:
			inserts, insertIDs = append(inserts, c.v), append(insertIDs, id)
		}
	}
	if len(inserts) > 0 {
		_, err := d.coll.InsertMany(ctx, inserts, options.InsertMany().SetOrdered(false))
		var bulk mongo.BulkWriteException
		if errors.As(err, &bulk) && bulk.WriteConcernError == nil && onlyDuplicates(bulk) {
			for _, we := range bulk.WriteErrors { // there already: replace those
				id := insertIDs[we.Index]
				writes = append(writes, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(d.docs[id].v).SetUpsert(true))
			}
		} else if err != nil {
			return fmt.Errorf("insert into %s: %w", d.coll.Name(), mongodb.Classify(err))
		}
	}
	if len(writes) > 0 {
		if _, err := d.coll.BulkWrite(ctx, writes, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("write %s: %w", d.coll.Name(), mongodb.Classify(err))
		}
	}
	for id, c := range d.docs {
		if !c.dirty {
			continue
		}
		c.dirty = false
		if c.deleted {
			delete(d.docs, id)
			delete(d.known, id)
			continue
		}
		c.stored = true
		if d.fresh {
			d.known[id] = struct{}{}
		}
	}
	if d.fresh && len(d.known) > maxKnown {
		d.fresh, d.known = false, nil
	}
	if len(d.docs) > d.max {
		clear(d.docs)
	}
	return nil
}

func onlyDuplicates(e mongo.BulkWriteException) bool {
	for _, we := range e.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return len(e.WriteErrors) > 0
}
