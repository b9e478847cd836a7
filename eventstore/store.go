package eventstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/platform/tracing"
)

// Log is what Store needs from a log implementation (mongostore.Log).
type Log interface {
	Append(ctx context.Context, c Commit, expected Revision) (AppendResult, error)
	ReadStream(ctx context.Context, stream string) ([]StoredCommit, Revision, error)
}

// Meta is the envelope of a command's commit: who, from where, why, when.
type Meta struct {
	// CommandID makes the command idempotent: a second command with the same
	// id (Discord re-delivering an interaction, a retried HTTP request) finds
	// the first one's commit and stores nothing.
	CommandID   string
	Actor       domain.Actor
	Guild       domain.GuildID
	Correlation string
	Causation   string
	At          time.Time
}

// History is a stream read back: its events in order and where it stands.
type History struct {
	Stream    string
	Events    []domain.Event
	Envelopes []Envelope
	// Erased[i] says Events[i] lost its personal data to erasure.
	Erased   []bool
	Revision Revision
	commits  []StoredCommit
}

// Committed returns the stored commit with the given command id, if the
// stream has one.
func (h History) Committed(commandID string) (StoredCommit, bool) {
	i := slices.IndexFunc(h.commits, func(c StoredCommit) bool { return c.ID == commandID })
	if i < 0 {
		return StoredCommit{}, false
	}
	return h.commits[i], true
}

// Store is the domain-facing event store: it encodes and seals domain events,
// appends them as one commit, and reads streams back as domain events.
type Store struct {
	log        Log
	codec      *Codec
	maxRetries int
	observe    []func(took time.Duration, err error) // told of each append to the log, and how it ended
}

// DefaultMaxRetries bounds the update loop's retries on a concurrent append.
const DefaultMaxRetries = 32

// NewStore returns a Store over a log.
func NewStore(log Log, codec *Codec) *Store {
	return &Store{log: log, codec: codec, maxRetries: DefaultMaxRetries}
}

// ObserveAppends has f told of every append to the log: how long it took
// and its error (nil, ErrConflict, ErrUnavailable or another). Set it
// before the store is used.
func (s *Store) ObserveAppends(f func(took time.Duration, err error)) {
	s.observe = append(s.observe, f)
}

// Codec returns the store's codec.
func (s *Store) Codec() *Codec { return s.codec }

// Load reads a stream and decodes its events.
func (s *Store) Load(ctx context.Context, stream string) (History, error) {
	return s.LoadSince(ctx, stream, 0) // stream versions start at 1
}

// LoadSince reads a stream and decodes only its events after stream
// version since, for a caller that keeps its own fold of the earlier ones
// (the log caches the commits; decoding them all again is what it saves).
func (s *Store) LoadSince(ctx context.Context, stream string, since int64) (History, error) {
	commits, rev, err := s.log.ReadStream(ctx, stream)
	if err != nil {
		return History{}, fmt.Errorf("load %s: %w", stream, err)
	}
	h := History{Stream: stream, Revision: rev, commits: commits}
	for _, c := range commits {
		for _, env := range c.Envelopes() {
			if env.Version <= since {
				continue
			}
			d, err := s.codec.Decode(ctx, env.Record)
			if err != nil {
				return History{}, fmt.Errorf("load %s: %w", stream, err)
			}
			h.Events = append(h.Events, d.Event)
			h.Erased = append(h.Erased, d.Erased)
			h.Envelopes = append(h.Envelopes, env)
		}
	}
	return h, nil
}

// Append encodes events and appends them to a stream as one commit.
func (s *Store) Append(ctx context.Context, stream string, expected Revision, meta Meta, events ...domain.Event) (AppendResult, error) {
	return s.append(ctx, "append to", stream, expected, meta, nil, events)
}

// Import appends events recorded by another instance (an export being
// imported) as one commit, keeping their event ids; their personal data is
// sealed under this instance's keys.
func (s *Store) Import(ctx context.Context, stream string, expected Revision, meta Meta, ids []string, events ...domain.Event) (AppendResult, error) {
	if len(ids) != len(events) {
		return AppendResult{}, fmt.Errorf("import to %s: %d ids for %d events", stream, len(ids), len(events))
	}
	return s.append(ctx, "import to", stream, expected, meta, ids, events)
}

// append is Append and Import: it builds the commit (with the events' ids
// when given) and appends it; op names the operation in errors.
func (s *Store) append(ctx context.Context, op, stream string, expected Revision, meta Meta, ids []string, events []domain.Event) (AppendResult, error) {
	ctx, span := tracing.Tracer().Start(ctx, "append "+streamKind(stream), trace.WithAttributes(
		attribute.String("ticketify.commit_id", meta.CommandID), attribute.String("ticketify.correlation_id", meta.Correlation)))
	c, err := s.commit(ctx, stream, meta, events, ids)
	if err != nil {
		tracing.End(span, err)
		return AppendResult{}, err
	}
	// The trace goes with the events to whoever consumes them.
	if tc := tracing.Inject(ctx); tc != nil {
		for i := range c.Records {
			md := maps.Clone(c.Records[i].Metadata)
			if md == nil {
				md = map[string]string{}
			}
			maps.Copy(md, tc)
			c.Records[i].Metadata = md
		}
	}
	start := time.Now()
	res, err := s.log.Append(ctx, c, expected)
	for _, observe := range s.observe {
		observe(time.Since(start), err)
	}
	tracing.End(span, err)
	if err != nil {
		return AppendResult{}, fmt.Errorf("%s %s: %w", op, stream, err)
	}
	return res, nil
}

// commit builds a commit of events; ids, when not nil, are the events' ids.
func (s *Store) commit(ctx context.Context, stream string, meta Meta, events []domain.Event, ids []string) (Commit, error) {
	if meta.At.IsZero() {
		return Commit{}, fmt.Errorf("append to %s: %w: meta.At is zero (time is passed in)", stream, ErrInvalidCommit)
	}
	c := Commit{
		ID: meta.CommandID, Topic: DefaultTopic, Stream: stream, At: meta.At.UTC(),
		Actor:       Actor{User: userString(meta.Actor.User), Source: string(meta.Actor.Source), Because: meta.Actor.Because},
		Correlation: meta.Correlation, Causation: meta.Causation,
	}
	if c.ID == "" {
		c.ID = uuid.NewString()
	}
	if !meta.Guild.IsZero() {
		c.Guild = meta.Guild.String()
		c.Subjects = append(c.Subjects, "guild:"+c.Guild)
	}
	if c.Actor.User != "" {
		c.Subjects = append(c.Subjects, "user:"+c.Actor.User)
	}
	for i, e := range events {
		id := ""
		if i < len(ids) {
			id = ids[i]
		}
		rec, err := s.codec.EncodeAs(ctx, e, id)
		if err != nil {
			return Commit{}, fmt.Errorf("append to %s: %w", stream, err)
		}
		c.Records = append(c.Records, rec)
		c.Subjects = append(c.Subjects, s.codec.Subjects(e)...)
	}
	slices.Sort(c.Subjects)
	c.Subjects = slices.Compact(c.Subjects)
	return c, nil
}

func userString(u domain.UserID) string {
	if u.IsZero() {
		return ""
	}
	return u.String()
}

// Decide is a pure decision over a stream's history.
type Decide func(History) ([]domain.Event, error)

// Update is the one update loop: load the stream, decide, append at the
// revision that was read, and on a concurrent append start over, a bounded
// number of times. A command whose id the stream already holds is not decided
// again. A decision of no events appends nothing.
func (s *Store) Update(ctx context.Context, stream string, meta Meta, decide Decide) (AppendResult, error) {
	if meta.CommandID == "" {
		meta.CommandID = uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		h, err := s.Load(ctx, stream)
		if err != nil {
			return AppendResult{}, err
		}
		if c, ok := h.Committed(meta.CommandID); ok {
			return AppendResult{StoredCommit: c, AlreadyStored: true}, nil
		}
		events, err := decide(h)
		if err != nil || len(events) == 0 {
			return AppendResult{}, err
		}
		res, err := s.Append(ctx, stream, h.Revision, meta, events...)
		if errors.Is(err, ErrConcurrency) && attempt < s.maxRetries {
			continue
		}
		if errors.Is(err, ErrConcurrency) {
			return AppendResult{}, fmt.Errorf("update %s: gave up after %d attempts: %w", stream, attempt+1, err)
		}
		return res, err
	}
}

// streamKind is a stream's kind, its name before the id ("ticket" of
// "ticket/<id>"): a span name carries no id.
func streamKind(stream string) string {
	kind, _, _ := strings.Cut(stream, "/")
	if kind == "" {
		return "log"
	}
	return kind
}
