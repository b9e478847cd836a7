package projections

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Journal makes one flush of a projector's documents — several, in one or
// several collections — land whole, without the multi-document transactions
// FerretDB lacks: a redo log of one record per projector generation.
//
// A flush first writes every changed document, encoded, into the record
// (one single-document write, so the record is either the old flush's or
// the new one's), then writes the documents themselves. A process killed
// between two of those writes leaves some documents new and some old; the
// next applier of the generation, before it reads anything, writes the
// record's documents again, which completes the flush. Without it a
// re-delivered event would find its applied-version guard already moved in
// one document and never repair the others (an audit chain with no entry,
// a ticket missing from its list).
//
// Replaying the latest record is safe as long as one applier writes the
// generation at a time (the consumer group lease): a document in it has not
// been written by any later flush, since a later flush would have replaced
// the record first. (A process that stalls past its lease's expiry while
// another takes over could still write — which is why a consumer group's
// member flushes nothing once its lease may have expired unrenewed; see
// mongolog's subscription.mayWrite.) A record too large for one document is
// written as parts before the record that names them.
type Journal struct {
	coll      *mongo.Collection
	id        string // the record's _id: the projector's generation
	docs      []*Docs
	batch     int
	seq       int64
	parts     []string // the parts of the current record, deleted once it is replaced
	recovered bool
	maxBytes  int // of documents per record or part
}

// JournalCollection holds one journal record per live projector generation.
//
// WARNING: renaming it loses the records of flushes that a crash cut short.
const JournalCollection = "projection_journal"

// maxJournalBytes bounds the documents one record or part carries, well
// under MongoDB's 16 MB document limit.
const maxJournalBytes = 4 << 20

type journalEntry struct {
	Coll string   `bson:"c"`
	ID   string   `bson:"i"`
	Doc  bson.Raw `bson:"d,omitempty"` // absent: delete
}

// journalRecord is the record (or one of its parts). Its entries are one
// binary value — BSON documents end to end — rather than an array of
// documents: the server stores a binary value as it is, where FerretDB
// would convert every field of every nested document (measured: the record
// then cost as much as writing the documents themselves).
type journalRecord struct {
	ID      string   `bson:"_id"`
	Owner   string   `bson:"owner,omitempty"` // parts: the record they belong to
	Seq     int64    `bson:"seq"`
	Entries []byte   `bson:"entries,omitempty"`
	Parts   []string `bson:"parts,omitempty"`
}

// encodeEntries packs entries into one value.
func encodeEntries(entries []journalEntry) ([]byte, error) {
	var out []byte
	for _, e := range entries {
		b, err := bson.Marshal(e)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// decodeEntries unpacks what encodeEntries packed.
func decodeEntries(b []byte) ([]journalEntry, error) {
	var out []journalEntry
	for len(b) > 0 {
		raw, rest, ok := bsoncore.ReadDocument(b)
		if !ok {
			return nil, errors.New("a truncated entry")
		}
		var e journalEntry
		if err := bson.Unmarshal(raw, &e); err != nil {
			return nil, err
		}
		out, b = append(out, e), rest
	}
	return out, nil
}

// Journals is the collection of the live generations' journals.
type Journals struct {
	coll   *mongo.Collection
	ferret bool
}

// OpenJournals prepares the journal collection.
func OpenJournals(ctx context.Context, conn *mongodb.Conn) (*Journals, error) {
	coll, err := conn.Collection(ctx, JournalCollection)
	if err != nil {
		return nil, err
	}
	return &Journals{coll: coll, ferret: conn.Flavor == mongodb.FlavorFerretDB}, nil
}

// Of returns the journal of a projector's generation; the generation's Docs
// register themselves with it when opened on a Target that carries it.
func (js *Journals) Of(projector string, generation int) *Journal {
	j := &Journal{coll: js.coll, id: journalID(projector, generation), batch: 1000, maxBytes: maxJournalBytes}
	if js.ferret {
		j.batch = maxUpdatesFerretDB
	}
	return j
}

func journalID(projector string, generation int) string {
	return fmt.Sprintf("%s.g%d", projector, generation)
}

// replayLast writes the last record's documents again, once, before the
// applier reads anything; it also removes parts that no record names.
func (j *Journal) replayLast(ctx context.Context) error {
	if j.recovered {
		return nil
	}
	rec, err := mongodb.FindByID[journalRecord](ctx, j.coll, j.id)
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.id, err)
	}
	if rec != nil {
		packed := rec.Entries
		for _, id := range rec.Parts {
			part, err := mongodb.FindByID[journalRecord](ctx, j.coll, id)
			if err != nil {
				return fmt.Errorf("journal %s: %w", j.id, err)
			}
			if part == nil {
				return fmt.Errorf("journal %s: part %s is missing", j.id, id)
			}
			packed = append(packed, part.Entries...)
		}
		entries, err := decodeEntries(packed)
		if err != nil {
			return fmt.Errorf("journal %s: %w", j.id, err)
		}
		if err := j.replay(ctx, entries); err != nil {
			return err
		}
		j.seq, j.parts = rec.Seq, rec.Parts
	}
	// Parts no record names (of a flush cut short before its record, or
	// left when a later record replaced theirs): a scan, but of a
	// collection of a few documents per projector.
	if _, err := j.coll.DeleteMany(ctx, bson.D{{Key: "owner", Value: j.id}, {Key: "seq", Value: bson.D{{Key: "$ne", Value: j.seq}}}}); err != nil {
		return fmt.Errorf("journal %s: %w", j.id, mongodb.Classify(err))
	}
	j.recovered = true
	return nil
}

// replay writes entries as they are: replaces (upserts) and deletes.
func (j *Journal) replay(ctx context.Context, entries []journalEntry) error {
	byColl := map[string][]mongo.WriteModel{}
	var order []string
	for _, e := range entries {
		if _, ok := byColl[e.Coll]; !ok {
			order = append(order, e.Coll)
		}
		if e.Doc == nil {
			byColl[e.Coll] = append(byColl[e.Coll], mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: e.ID}}))
		} else {
			byColl[e.Coll] = append(byColl[e.Coll], replaceModel(e.ID, e.Doc))
		}
	}
	for _, name := range order {
		if err := bulkWrite(ctx, j.coll.Database().Collection(name), byColl[name], j.batch); err != nil {
			return fmt.Errorf("journal %s: %w", j.id, err)
		}
	}
	return nil
}

// Flush writes the changes of every Docs of the journal as one: the record
// first, then the documents.
func (j *Journal) Flush(ctx context.Context) error {
	changes, err := j.begin(ctx)
	if err != nil || changes == nil {
		return err
	}
	if err := j.write(ctx, changes, len(j.docs)); err != nil {
		return err
	}
	for _, d := range j.docs {
		d.settle()
	}
	return nil
}

// begin is a flush's first step: it records what every Docs will write and
// returns it (nil when nothing changed).
func (j *Journal) begin(ctx context.Context) ([][]change, error) {
	if err := j.replayLast(ctx); err != nil {
		return nil, err
	}
	changes := make([][]change, len(j.docs))
	var entries []journalEntry
	for i, d := range j.docs {
		cs, err := d.pending()
		if err != nil {
			return nil, err
		}
		changes[i] = cs
		for _, c := range cs {
			entries = append(entries, journalEntry{Coll: d.coll.Name(), ID: c.id, Doc: c.doc})
		}
	}
	if len(entries) == 0 {
		return nil, nil
	}
	old := j.parts
	if err := j.record(ctx, entries); err != nil {
		return nil, err
	}
	for _, id := range old { // the record that named them is replaced
		if _, err := j.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return nil, fmt.Errorf("journal %s: %w", j.id, mongodb.Classify(err))
		}
	}
	return changes, nil
}

// write is a flush's second step: the first n Docs write their changes.
func (j *Journal) write(ctx context.Context, changes [][]change, n int) error {
	for i, d := range j.docs[:n] {
		if len(changes[i]) == 0 {
			continue
		}
		if err := d.write(ctx, changes[i]); err != nil {
			return err
		}
	}
	return nil
}

// record replaces the journal's record with one holding entries (in parts
// when they are large).
func (j *Journal) record(ctx context.Context, entries []journalEntry) error {
	seq := j.seq + 1
	packed, err := encodeEntries(entries)
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.id, err)
	}
	rec := journalRecord{ID: j.id, Seq: seq}
	if len(packed) <= j.maxBytes {
		rec.Entries = packed
	} else {
		for len(packed) > 0 {
			n := 0 // whole entries, up to maxBytes (at least one)
			for n < len(packed) {
				l32, _, _ := bsoncore.ReadLength(packed[n:]) // encodeEntries wrote whole documents
				l := int(l32)
				if n > 0 && n+l > j.maxBytes {
					break
				}
				n += l
			}
			p := journalRecord{ID: fmt.Sprintf("%s/%d/%d", j.id, seq, len(rec.Parts)), Owner: j.id, Seq: seq, Entries: packed[:n]}
			// One at a time: a part is up to a few MB, and a retry after a
			// failed attempt at the same sequence number finds it there.
			if _, err := j.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, p, options.Replace().SetUpsert(true)); err != nil {
				return fmt.Errorf("journal %s: %w", j.id, mongodb.Classify(err))
			}
			rec.Parts, packed = append(rec.Parts, p.ID), packed[n:]
		}
	}
	if _, err := j.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: j.id}}, rec, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("journal %s: %w", j.id, mongodb.Classify(err))
	}
	j.seq, j.parts = seq, rec.Parts
	return nil
}

// dropJournal removes a generation's journal with the generation.
func dropJournal(ctx context.Context, conn *mongodb.Conn, projector string, generation int) error {
	id := journalID(projector, generation)
	// The journals of the projector's partitions too ("name[i/n].gN"): a
	// few records, found by a pattern on a small collection.
	parts := bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(projector) + `\[[0-9]+/[0-9]+\]` + regexp.QuoteMeta(fmt.Sprintf(".g%d", generation)) + "$"}}
	coll := conn.DB.Collection(JournalCollection)
	if _, err := coll.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "owner", Value: id}},
		bson.D{{Key: "_id", Value: parts}}, bson.D{{Key: "owner", Value: parts}}}}}); err != nil {
		return fmt.Errorf("journal %s: %w", id, mongodb.Classify(err))
	}
	return nil
}
