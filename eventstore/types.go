package eventstore

import (
	"errors"
	"fmt"
	"time"
)

// DefaultTopic is the log all domain events are appended to. Topics are
// separate logs, each with its own gap-free order.
const DefaultTopic = "events"

// Errors of the store. Driver errors become these in exactly one place
// (the implementation); callers branch on them with errors.Is.
var (
	// ErrConcurrency: the stream moved past the expected revision.
	ErrConcurrency = errors.New("concurrent append: the stream changed since it was read")
	// ErrUnavailable: the database did not answer.
	ErrUnavailable = errors.New("event store unavailable")
	// ErrInvalidCommit: the commit is malformed and was not stored.
	ErrInvalidCommit = errors.New("invalid commit")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("event store closed")
	// ErrFileMissing: a piece of a stored file (an archived attachment) is
	// not there: deleted with its transcript, or never completely written.
	ErrFileMissing = errors.New("archived file chunk missing")
)

// Revision is where a stream stood when it was read: how many commits and
// events it had. It is opaque so that only a read or an append can produce
// one; NoStream and Any are the two a caller may name.
type Revision struct {
	commits int64
	events  int64
	any     bool
}

// NoStream expects the stream to have no commits yet.
var NoStream = Revision{}

// Any appends at whatever the stream's current end is: for recording facts
// (captured messages, command usage) that no decision depends on.
var Any = Revision{any: true}

// RevisionAt builds a revision; only store implementations call it.
func RevisionAt(commits, events int64) Revision { return Revision{commits: commits, events: events} }

// Commits returns the number of commits.
func (r Revision) Commits() int64 { return r.commits }

// Events returns the stream version: the number of events.
func (r Revision) Events() int64 { return r.events }

// IsAny reports whether this is the Any revision.
func (r Revision) IsAny() bool { return r.any }

func (r Revision) String() string {
	if r.any {
		return "any"
	}
	return fmt.Sprintf("v%d (commit %d)", r.events, r.commits)
}

// Sealed is personal data encrypted under a data key (AES-256-GCM). Without
// the key it is noise: destroying the key erases the data everywhere the
// ciphertext went, backups and replicas included.
type Sealed struct {
	KeyID      string
	KeyGen     int64 // the key's generation; an erased key is never re-created under the same generation
	Nonce      []byte
	Ciphertext []byte
}

// Record is one event as stored: its stable type name, its JSON data with the
// personal field taken out, and that personal field sealed.
type Record struct {
	ID       string            // unique event id
	Type     string            // stable, versioned type name ("ticket.closed.v1")
	Data     []byte            // JSON without personal data
	Sealed   *Sealed           // the Personal field, encrypted; nil when the event has none
	Metadata map[string]string // free-form; Watermill messages carry theirs here
}

// Actor is who caused a commit and through which door, as stored.
type Actor struct {
	User    string // Discord user id, empty for automation
	Source  string
	Because string // why an automated action happened
}

// Commit is what one command appends: its records, atomically, plus the
// envelope fields they share.
type Commit struct {
	// ID identifies the command: a commit whose ID is already stored is not
	// stored again (the append reports the earlier one). Required.
	ID string
	// Topic is the log the commit goes to; empty means DefaultTopic.
	Topic string
	// Stream the records belong to; empty for stream-less messages.
	Stream      string
	Records     []Record
	At          time.Time
	Guild       string
	Actor       Actor
	Correlation string
	Causation   string
	// Subjects are the people and guilds the commit is about ("user:1",
	// "guild:2"), for access and portability exports.
	Subjects []string
}

// StoredCommit is a commit with the positions the log gave it.
type StoredCommit struct {
	Commit
	// Position is the commit's place in its topic's log, from 1, gap-free.
	Position int64
	// FirstEvent is the global position of the commit's first record; the
	// records take FirstEvent, FirstEvent+1, ... — also gap-free.
	FirstEvent int64
	// Seq is the commit's number within its stream (from 1); 0 without a stream.
	Seq int64
	// FirstVersion is the stream version of the first record (from 1).
	FirstVersion int64
}

// LastEvent returns the global position of the commit's last record.
func (c StoredCommit) LastEvent() int64 { return c.FirstEvent + int64(len(c.Records)) - 1 }

// Revision returns the stream revision right after this commit.
func (c StoredCommit) Revision() Revision {
	return RevisionAt(c.Seq, c.FirstVersion+int64(len(c.Records))-1)
}

// Envelopes unpacks the commit into one envelope per record.
func (c StoredCommit) Envelopes() []Envelope {
	out := make([]Envelope, len(c.Records))
	for i, r := range c.Records {
		out[i] = Envelope{
			Record: r, Stream: c.Stream, Topic: c.Topic, CommitID: c.ID, CommitPosition: c.Position,
			Index: i, Position: c.FirstEvent + int64(i), OccurredAt: c.At, Guild: c.Guild, Actor: c.Actor,
			Correlation: c.Correlation, Causation: c.Causation,
		}
		if c.Stream != "" {
			out[i].Version = c.FirstVersion + int64(i)
		}
	}
	return out
}

// Envelope is one stored event with everything the store knows about it.
type Envelope struct {
	Record
	Topic          string
	Stream         string
	Version        int64 // stream version, from 1; 0 without a stream
	Position       int64 // global position in the topic, from 1, gap-free
	CommitID       string
	CommitPosition int64
	Index          int // index within the commit
	OccurredAt     time.Time
	Guild          string
	Actor          Actor
	Correlation    string
	Causation      string
}

// AppendResult tells where a commit landed.
type AppendResult struct {
	StoredCommit
	// AlreadyStored is true when a commit with the same ID was stored before;
	// StoredCommit then describes that earlier commit.
	AlreadyStored bool
}

// Validate reports what is wrong with a commit, all problems at once.
func (c Commit) Validate() error {
	var errs []error
	if c.ID == "" {
		errs = append(errs, errors.New("commit id is empty"))
	}
	if len(c.Records) == 0 {
		errs = append(errs, errors.New("a commit needs at least one record"))
	}
	for i, r := range c.Records {
		if r.ID == "" {
			errs = append(errs, fmt.Errorf("record %d has no id", i))
		}
	}
	if c.At.IsZero() {
		errs = append(errs, errors.New("commit time is zero"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidCommit, errors.Join(errs...))
	}
	return nil
}
