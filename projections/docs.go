package projections

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Docs is a projector's write-behind view of one collection. A document is
// read once by _id (the one lookup every backend indexes), changed in memory
// by Apply, and written at Flush: new documents in one insertMany, changed
// ones replaced and removed ones deleted in bulk writes. An applier is the
// only writer of its generation (its consumer group lease), which is what
// makes caching sound; FerretDB has no atomic conditional update.
//
// In a fresh generation (a rebuild) every document the applier has not
// written yet is known to be absent, so a rebuild does no reads at all.
//
// In a live generation the Docs of one applier share a Journal, which makes
// each flush of all of them land whole (see Journal): the documents' own
// applied-version guards then never see half of an event's writes.
type Docs struct {
	coll    *mongo.Collection
	docs    map[string]*cached
	fresh   bool                // the generation started empty: known lists what exists
	known   map[string]struct{} // ids written in a fresh generation
	max     int
	batch   int      // replaces per update command (see maxUpdatesFerretDB)
	journal *Journal // nil: flushes write straight to the collection
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

// maxUpdatesFerretDB bounds the replace statements sent in one update
// command to FerretDB. FerretDB v1.24.2's update handler defers closing each
// statement's query iterator — which holds one of the SQLite backend's 100
// pooled connections — until the whole command ends, so a command of 100
// statements (or a few concurrent commands of fewer) waits forever for a
// connection it holds itself. Found by the crash test: a catch-up after a
// crash flushed a few hundred changed documents and hung the database.
const maxUpdatesFerretDB = 8

// NewDocs returns the write-behind view of a collection of target t.
func NewDocs(coll *mongo.Collection, t Target) *Docs {
	d := &Docs{coll: coll, docs: map[string]*cached{}, fresh: t.Fresh, max: DocsCacheSize, batch: 1000}
	if t.Conn != nil && t.Conn.Flavor == mongodb.FlavorFerretDB {
		d.batch = maxUpdatesFerretDB
	}
	if d.fresh {
		d.known = map[string]struct{}{}
	}
	if t.Journal != nil && !t.Fresh { // a fresh generation is dropped, not repaired, after a crash
		d.journal = t.Journal
		t.Journal.docs = append(t.Journal.docs, d)
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
	if d.journal != nil {
		if err := d.journal.replayLast(ctx); err != nil {
			return nil, err
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

// Flush writes every change — with a journal, the changes of every Docs of
// the applier, as one. On failure nothing is forgotten: the next flush
// writes again (replaces and deletes are idempotent; an insert that finds
// its document already there replaces it).
func (d *Docs) Flush(ctx context.Context) error {
	if d.journal != nil {
		return d.journal.Flush(ctx)
	}
	ws, err := d.pending()
	if err != nil || len(ws) == 0 {
		return err
	}
	if err := d.write(ctx, ws); err != nil {
		return err
	}
	d.settle()
	return nil
}

// change is one document write of a flush: the document, or nil to delete.
type change struct {
	id     string
	doc    bson.Raw
	insert bool // the database holds no version of it, as far as this Docs knows
}

// pending encodes what changed since the last flush.
func (d *Docs) pending() ([]change, error) {
	var out []change
	for id, c := range d.docs {
		switch {
		case !c.dirty:
		case c.deleted && c.stored:
			out = append(out, change{id: id})
		case c.deleted:
		default:
			raw, err := bson.Marshal(c.v)
			if err != nil {
				return nil, fmt.Errorf("encode %s %s: %w", d.coll.Name(), id, err)
			}
			out = append(out, change{id: id, doc: raw, insert: !c.stored})
		}
	}
	return out, nil
}

// write stores changes: new documents in one unordered insertMany, the rest
// as replaces and deletes.
func (d *Docs) write(ctx context.Context, changes []change) error {
	var inserts []any
	var insertIDs []string
	var writes []mongo.WriteModel
	for _, c := range changes {
		switch {
		case c.doc == nil:
			writes = append(writes, mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: c.id}}))
		case c.insert:
			inserts, insertIDs = append(inserts, c.doc), append(insertIDs, c.id)
		default:
			writes = append(writes, replaceModel(c.id, c.doc))
		}
	}
	if len(inserts) > 0 {
		_, err := d.coll.InsertMany(ctx, inserts, options.InsertMany().SetOrdered(false))
		var bulk mongo.BulkWriteException
		if errors.As(err, &bulk) && bulk.WriteConcernError == nil && onlyDuplicates(bulk) {
			for _, we := range bulk.WriteErrors { // there already: replace those
				writes = append(writes, replaceModel(insertIDs[we.Index], inserts[we.Index].(bson.Raw)))
			}
		} else if err != nil {
			return fmt.Errorf("insert into %s: %w", d.coll.Name(), mongodb.Classify(err))
		}
	}
	return bulkWrite(ctx, d.coll, writes, d.batch)
}

func replaceModel(id string, doc bson.Raw) mongo.WriteModel {
	return mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(doc).SetUpsert(true)
}

// bulkWrite runs unordered writes in commands of at most batch statements.
func bulkWrite(ctx context.Context, coll *mongo.Collection, writes []mongo.WriteModel, batch int) error {
	for len(writes) > 0 {
		n := min(batch, len(writes))
		if _, err := coll.BulkWrite(ctx, writes[:n], options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("write %s: %w", coll.Name(), mongodb.Classify(err))
		}
		writes = writes[n:]
	}
	return nil
}

// settle records that everything dirty was written.
func (d *Docs) settle() {
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
}

func onlyDuplicates(e mongo.BulkWriteException) bool {
	for _, we := range e.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return len(e.WriteErrors) > 0
}
