package mongostore

import (
	"fmt"
	"time"

	"github.com/ticketify/ticketify/eventstore"
)

// The events collection holds two kinds of documents, both addressed by _id
// because on embedded FerretDB only an _id equality filter is pushed down to
// an index; any other filter scans the collection.
//
//   - commit documents, _id "c/<topic>/<20-digit position>": the log, the one
//     source of truth. Positions are dense per topic, so readers walk the log
//     by _id and can binary-search its head.
//   - stream entries, _id "s/<stream>/<12-digit seq>": a copy of a commit
//     addressed by its stream, so a stream is read by _id too. Entries are
//     written in the same ordered insertMany right after their commit; they
//     are an index of the log and are repaired from it when missing.
//
// WARNING: these _id formats and field names are the storage format. Changing
// them orphans every stored event.

func commitKey(topic string, pos int64) string { return fmt.Sprintf("c/%s/%020d", topic, pos) }
func entryKey(stream string, seq int64) string { return fmt.Sprintf("s/%s/%012d", stream, seq) }

type commitDoc struct {
	ID     string      `bson:"_id"`
	Topic  string      `bson:"topic"`
	Pos    int64       `bson:"pos"`
	First  int64       `bson:"first"`
	Stream string      `bson:"stream,omitempty"` // absent (not empty) without a stream: the unique index is sparse
	Seq    int64       `bson:"seq,omitempty"`
	Ver    int64       `bson:"ver,omitempty"`
	CID    string      `bson:"cid"`
	At     time.Time   `bson:"at"`
	Guild  string      `bson:"guild,omitempty"`
	Actor  actorDoc    `bson:"actor"`
	Corr   string      `bson:"corr,omitempty"`
	Caus   string      `bson:"caus,omitempty"`
	Subj   []string    `bson:"subj,omitempty"`
	Ev     []recordDoc `bson:"ev"`
}

type actorDoc struct {
	User    string `bson:"user,omitempty"`
	Source  string `bson:"src,omitempty"`
	Because string `bson:"why,omitempty"`
}

type recordDoc struct {
	ID     string            `bson:"id"`
	Type   string            `bson:"type"`
	Data   string            `bson:"data"` // JSON text; personal data is never here
	Sealed *sealedDoc        `bson:"sealed,omitempty"`
	Meta   map[string]string `bson:"meta,omitempty"`
}

type sealedDoc struct {
	Key   string `bson:"key"`
	Gen   int64  `bson:"gen"`
	Nonce []byte `bson:"nonce"`
	CT    []byte `bson:"ct"`
}

type entryDoc struct {
	ID string    `bson:"_id"`
	C  commitDoc `bson:"c"`
}

func toCommitDoc(c eventstore.StoredCommit) commitDoc {
	d := commitDoc{
		ID: commitKey(c.Topic, c.Position), Topic: c.Topic, Pos: c.Position, First: c.FirstEvent,
		Stream: c.Stream, Seq: c.Seq, Ver: c.FirstVersion, CID: c.ID, At: c.At, Guild: c.Guild,
		Actor: actorDoc{User: c.Actor.User, Source: c.Actor.Source, Because: c.Actor.Because},
		Corr:  c.Correlation, Caus: c.Causation, Subj: c.Subjects,
		Ev: make([]recordDoc, len(c.Records)),
	}
	for i, r := range c.Records {
		d.Ev[i] = recordDoc{ID: r.ID, Type: r.Type, Data: string(r.Data), Meta: r.Metadata}
		if r.Sealed != nil {
			d.Ev[i].Sealed = &sealedDoc{Key: r.Sealed.KeyID, Gen: r.Sealed.KeyGen, Nonce: r.Sealed.Nonce, CT: r.Sealed.Ciphertext}
		}
	}
	return d
}

func (d commitDoc) toStored() eventstore.StoredCommit {
	c := eventstore.StoredCommit{
		Commit: eventstore.Commit{
			ID: d.CID, Topic: d.Topic, Stream: d.Stream, At: d.At.UTC(), Guild: d.Guild,
			Actor:       eventstore.Actor{User: d.Actor.User, Source: d.Actor.Source, Because: d.Actor.Because},
			Correlation: d.Corr, Causation: d.Caus, Subjects: d.Subj,
			Records: make([]eventstore.Record, len(d.Ev)),
		},
		Position: d.Pos, FirstEvent: d.First, Seq: d.Seq, FirstVersion: d.Ver,
	}
	for i, r := range d.Ev {
		c.Records[i] = eventstore.Record{ID: r.ID, Type: r.Type, Data: []byte(r.Data), Metadata: r.Meta}
		if r.Sealed != nil {
			c.Records[i].Sealed = &eventstore.Sealed{KeyID: r.Sealed.Key, KeyGen: r.Sealed.Gen, Nonce: r.Sealed.Nonce, Ciphertext: r.Sealed.CT}
		}
	}
	return c
}
