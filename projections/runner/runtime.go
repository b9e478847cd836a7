// Package runner runs projectors and reactors (package projections): live
// delivery through Watermill, from a subscriber per consumer group that the
// composition root's factory makes (the MongoDB log subscriber,
// adapters/bus/mongolog, or any other transport), and catch-up, rebuild and
// replay by reading the log itself. It depends on no transport: the log and
// the consumer groups' checkpoints and leases are the small interfaces Log
// and Checkpoints, and messages become envelopes through eventstore/eventmsg,
// the mapping every transport shares.
//
// Failures go through Watermill's router middleware (see middleware.go): an
// event a projector cannot apply after retries, or that panics, is parked
// and reported, never silently skipped; a database outage is not poison.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/eventmsg"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/platform/tracing"
	"github.com/ticketify/ticketify/projections"
)

// Log is what the runtime reads from the event log itself, besides live
// delivery: catch-up, rebuild and replay read commits in order; read-your-
// writes and a new reactor need the last event (eventstore/mongostore.Log).
type Log interface {
	// ReadLog returns up to max commits of a topic from position from, in
	// order and without gaps.
	ReadLog(ctx context.Context, topic string, from int64, max int) ([]eventstore.StoredCommit, error)
	// LastEvent returns the global position of a topic's last event and the
	// position of its commit (0, 0 when the topic is empty).
	LastEvent(ctx context.Context, topic string) (event, commit int64, err error)
}

// Checkpoints stores where each consumer group stands in the log and who
// consumes it (adapters/bus/mongolog.Checkpoints). The runtime moves a
// group's checkpoint after a catch-up or a rebuild, holding the group's
// lease; live delivery resumes from it.
type Checkpoints interface {
	Load(ctx context.Context, topic, group string) (eventstore.Checkpoint, error)
	Save(ctx context.Context, topic, group string, cp eventstore.Checkpoint) error
	// Hold takes the group's lease for owner and keeps it until release is
	// called; held is false when another member holds it.
	Hold(ctx context.Context, topic, group, owner string, ttl time.Duration) (release func(), held bool, err error)
}

// ConsumerGroup is what the runtime tells a transport about the consumer
// group whose subscriber it asks for.
type ConsumerGroup struct {
	// Name is the group: a projector's or a reactor's name.
	Name string
	// BeforeCheckpoint, when set, must run and succeed before the transport
	// records that the group consumed a message (saves its checkpoint): a
	// projector buffers its writes and flushes them here, so a checkpoint
	// never claims what is not written.
	BeforeCheckpoint func(ctx context.Context) error
	// Redelivery is the pause before a nacked message is delivered again.
	Redelivery time.Duration
	// Family and Partition: the group is partition Partition of the
	// projector Family (a projector split by guild), for a transport that
	// shares partitions between processes. Whole for an unsplit group.
	Family    string
	Partition projections.Partition
	// Acquired, when set, must run each time a process starts to consume
	// the group (takes its lease), before the first message: the runtime
	// opens the consumer afresh, since another process may have written its
	// documents meanwhile.
	Acquired func(ctx context.Context) error
	// Rewind: a message the consumer failed must not be delivered again to
	// the same consumer (a projector may have applied it in part to what it
	// buffers): the transport delivers again from the last checkpoint, after
	// Acquired again. A transport that cannot must not redeliver to it.
	Rewind bool
}

// Subscribers returns the subscriber of one consumer group. The runtime
// subscribes it to eventstore.DefaultTopic; its router closes it. Messages
// must carry envelopes as eventmsg.ToMessage makes them, in log order.
type Subscribers func(ConsumerGroup) (message.Subscriber, error)

// Config wires the runtime. Zero durations take defaults.
type Config struct {
	Conn        *mongodb.Conn
	Log         Log
	Checkpoints Checkpoints
	Store       *eventstore.Store
	// Subscribers makes the live subscribers; Start needs it (a runtime that
	// only rebuilds, replays or lists parked events does not).
	Subscribers Subscribers
	Logger      *slog.Logger
	// Attempts is how often an event is tried before it is parked; default 3.
	Attempts int
	// RetryDelay is the pause between attempts, and before a nacked event is
	// delivered again; default 200ms.
	RetryDelay time.Duration
	// Partitions splits each projector that can be split by guild
	// (projections.PerGuild) into that many consumer groups, each with its
	// own lease and checkpoint, so that several processes share the work;
	// default 1. Changing it rebuilds those projectors at the next start.
	Partitions int
}

// Validate reports every missing dependency at once.
func (c Config) Validate() error {
	var errs []error
	if c.Conn == nil {
		errs = append(errs, errors.New("runner: Conn is required"))
	}
	if c.Log == nil {
		errs = append(errs, errors.New("runner: Log is required"))
	}
	if c.Checkpoints == nil {
		errs = append(errs, errors.New("runner: Checkpoints is required"))
	}
	if c.Store == nil {
		errs = append(errs, errors.New("runner: Store is required"))
	}
	return errors.Join(errs...)
}

// Runtime runs projectors and reactors.
type Runtime struct {
	cfg        Config
	projectors []projections.Projector
	reactors   []projections.Reactor
	meta       *mongo.Collection
	parking    *parking

	mu       sync.Mutex
	router   *message.Router
	appliers map[string]projections.Applier
	applied  map[string]*atomic.Int64 // highest event position written (or parked), per projector
	pending  map[string]*atomic.Int64 // highest event position applied in memory, not yet flushed
	flushMu  map[string]*sync.Mutex
	groups   []*group // every projector's consumer groups, in order
	running  atomic.Bool
	runErr   atomic.Pointer[error]
	misfit   atomic.Pointer[error] // this process cannot consume what the database holds (see misconfigured)

	targetsMu sync.Mutex
	targets   map[string]cachedTarget // live generation by projector, for readers
}

// group is one consumer group of a projector: the whole projector, or one
// partition of a projector split by guild.
type group struct {
	p    projections.Projector
	part projections.Partition
	name string

	mu       sync.Mutex
	a        projections.Applier // opened afresh each time this process takes the group
	failures map[int64]failure   // by event position, until applied or parked
}

// forget drops the failures of an event applied or parked.
func (g *group) forget(pos int64) {
	g.mu.Lock()
	delete(g.failures, pos)
	g.mu.Unlock()
}

func (g *group) applier() projections.Applier {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.a
}

// partitionsOf returns the partitions a projector runs as.
func (r *Runtime) partitionsOf(p projections.Projector) []projections.Partition {
	return partitionsOf(p, r.cfg.Partitions)
}

func partitionsOf(p projections.Projector, n int) []projections.Partition {
	if _, ok := p.(projections.PerGuild); !ok || n <= 1 {
		return []projections.Partition{projections.Whole}
	}
	parts := make([]projections.Partition, n)
	for i := range parts {
		parts[i] = projections.Partition{Index: i, Count: n}
	}
	return parts
}

// GroupsOf returns the consumer groups of a projector split n ways (its
// own name alone when it is not split, or cannot be).
func GroupsOf(p projections.Projector, n int) []string {
	var names []string
	for _, part := range partitionsOf(p, n) {
		names = append(names, part.Group(p.Name()))
	}
	return names
}

// cachedTarget is a projector's live generation as last read.
type cachedTarget struct {
	t  projections.Target
	at time.Time
}

// TargetTTL is how long readers keep using a generation they looked up.
// A rebuild in this process switches them at once; one in another process
// is seen within this time.
const TargetTTL = 2 * time.Second

// MetaCollection records each projector's live generation and version.
const MetaCollection = "projections"

type metaDoc struct {
	ID         string    `bson:"_id"`
	Version    int       `bson:"version"`
	Generation int       `bson:"generation"`
	RebuiltAt  time.Time `bson:"rebuilt_at,omitzero"`
	Head       int64     `bson:"head"`
	// Partitions is how many consumer groups the generation is applied by
	// (0: one, as before partitions existed).
	Partitions int `bson:"partitions,omitempty"`
}

// partitions returns how many groups the generation was applied by.
func (d metaDoc) partitions() int { return max(1, d.Partitions) }

// New returns a runtime for the given projectors.
func New(ctx context.Context, cfg Config, ps ...projections.Projector) (*Runtime, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 200 * time.Millisecond
	}
	if cfg.Partitions <= 0 {
		cfg.Partitions = 1
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name()] {
			return nil, fmt.Errorf("runner: two projectors named %q", p.Name())
		}
		seen[p.Name()] = true
	}
	meta, err := cfg.Conn.Collection(ctx, MetaCollection)
	if err != nil {
		return nil, err
	}
	parked, err := cfg.Conn.Collection(ctx, ParkedCollection)
	if err != nil {
		return nil, err
	}
	r := &Runtime{cfg: cfg, projectors: ps, meta: meta, appliers: map[string]projections.Applier{},
		applied: map[string]*atomic.Int64{}, pending: map[string]*atomic.Int64{}, flushMu: map[string]*sync.Mutex{}}
	r.parking = &parking{coll: parked, logger: cfg.Logger, parked: r.parked}
	for _, p := range ps {
		for _, part := range r.partitionsOf(p) {
			g := &group{p: p, part: part, name: part.Group(p.Name())}
			r.groups = append(r.groups, g)
			r.applied[g.name], r.pending[g.name], r.flushMu[g.name] = new(atomic.Int64), new(atomic.Int64), new(sync.Mutex)
		}
	}
	return r, nil
}

func (r *Runtime) loadMeta(ctx context.Context, name string) (*metaDoc, error) {
	d, err := mongodb.FindByID[metaDoc](ctx, r.meta, name)
	if err != nil {
		return nil, fmt.Errorf("projection %s: %w", name, err)
	}
	return d, nil
}

func (r *Runtime) saveMeta(ctx context.Context, d metaDoc) error {
	_, err := r.meta.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	if mongodb.IsDuplicateKey(err) {
		// Another process inserted it at the same moment (two upserts race
		// on FerretDB and MongoDB alike); it exists now, so this replaces.
		_, err = r.meta.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	}
	r.forgetTargets()
	return mongodb.Classify(err)
}

// Target returns the live target of a projector (its current generation),
// read at most every TargetTTL.
func (r *Runtime) Target(ctx context.Context, p projections.Projector) (projections.Target, error) {
	r.targetsMu.Lock()
	c, ok := r.targets[p.Name()]
	r.targetsMu.Unlock()
	if ok && time.Since(c.at) < TargetTTL {
		return c.t, nil
	}
	t, err := r.liveTarget(ctx, p)
	if err != nil {
		return t, err
	}
	r.targetsMu.Lock()
	if r.targets == nil {
		r.targets = map[string]cachedTarget{}
	}
	r.targets[p.Name()] = cachedTarget{t: t, at: time.Now()}
	r.targetsMu.Unlock()
	return t, nil
}

// forgetTargets makes readers look the generations up again (after a switch).
func (r *Runtime) forgetTargets() {
	r.targetsMu.Lock()
	clear(r.targets)
	r.targetsMu.Unlock()
}

func (r *Runtime) liveTarget(ctx context.Context, p projections.Projector) (projections.Target, error) {
	d, err := r.loadMeta(ctx, p.Name())
	if err != nil {
		return projections.Target{}, err
	}
	if d == nil {
		d = &metaDoc{ID: p.Name(), Version: p.Version(), Generation: 1, Partitions: len(r.partitionsOf(p))}
		if err := r.saveMeta(ctx, *d); err != nil {
			return projections.Target{}, err
		}
	}
	return projections.Target{Conn: r.cfg.Conn, Generation: d.Generation, Store: r.cfg.Store}, nil
}

// Start brings every projector up to date and runs them until ctx ends or
// Close is called. A projector whose Version changed is rebuilt first.
func (r *Runtime) Start(ctx context.Context) error {
	if r.cfg.Subscribers == nil {
		return errors.New("runner: Start needs Config.Subscribers")
	}
	var changed []string
	for _, p := range r.projectors {
		d, err := r.loadMeta(ctx, p.Name())
		if err != nil {
			return err
		}
		if d != nil && d.Version != p.Version() {
			r.cfg.Logger.Info("projection version changed; rebuilding", "projection", p.Name(), "from", d.Version, "to", p.Version())
			changed = append(changed, p.Name())
		} else if d != nil && d.partitions() != len(r.partitionsOf(p)) {
			r.cfg.Logger.Info("projection partitions changed; rebuilding", "projection", p.Name(), "from", d.partitions(), "to", len(r.partitionsOf(p)))
			changed = append(changed, p.Name())
		}
	}
	if len(changed) > 0 {
		if err := r.Rebuild(ctx, changed...); err != nil {
			return err
		}
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, watermill.NewSlogLogger(r.cfg.Logger))
	if err != nil {
		return err
	}
	projectorMiddleware, reactorMiddleware, err := r.middleware()
	if err != nil {
		return err
	}
	journals, err := projections.OpenJournals(ctx, r.cfg.Conn)
	if err != nil {
		return err
	}
	targets := map[string]projections.Target{}
	for _, p := range r.projectors {
		if targets[p.Name()], err = r.liveTarget(ctx, p); err != nil {
			return err
		}
	}
	open := func(ctx context.Context, g *group, t projections.Target) error {
		t.Journal, t.Partition = journals.Of(g.name, t.Generation), g.part
		a, err := g.p.Open(ctx, t)
		if err != nil {
			return fmt.Errorf("open projection %s: %w", g.name, err)
		}
		g.mu.Lock()
		g.a = a
		g.mu.Unlock()
		return nil
	}
	for _, g := range r.groups {
		if err := open(ctx, g, targets[g.p.Name()]); err != nil {
			return err
		}
	}
	if err := r.catchUp(ctx, r.groups); err != nil {
		return fmt.Errorf("catch up projections: %w", err)
	}
	for _, g := range r.groups {
		sub, err := r.cfg.Subscribers(ConsumerGroup{Name: g.name, Redelivery: r.cfg.RetryDelay,
			Family: g.p.Name(), Partition: g.part, Rewind: true,
			// Writes are buffered across events and flushed right before the
			// checkpoint moves: a crash loses nothing the checkpoint claims.
			BeforeCheckpoint: func(ctx context.Context) error { return r.flush(ctx, g) },
			Acquired: func(ctx context.Context) error {
				// Read again: a rebuild by another process may have made
				// another generation live since Start.
				d, err := r.loadMeta(ctx, g.p.Name())
				if err != nil {
					return err
				}
				if d == nil {
					return fmt.Errorf("projection %s has no live generation", g.p.Name())
				}
				if n := len(r.partitionsOf(g.p)); d.partitions() != n {
					return r.misconfigured(fmt.Errorf("projection %s is split in %d partitions in the database and %d here: every process must have the same TICKETIFY_PARTITIONS", g.p.Name(), d.partitions(), n))
				}
				if d.Version != g.p.Version() {
					return r.misconfigured(fmt.Errorf("projection %s is at version %d in the database and %d in this build: every process must run the same version", g.p.Name(), d.Version, g.p.Version()))
				}
				r.forgetTargets()
				t := targets[g.p.Name()]
				t.Generation = d.Generation
				if err := open(ctx, g, t); err != nil {
					return err
				}
				cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, g.name)
				if err != nil {
					return err
				}
				r.applied[g.name].Store(max(r.applied[g.name].Load(), cp.Event))
				r.pending[g.name].Store(max(r.pending[g.name].Load(), cp.Event))
				return nil
			},
		})
		if err != nil {
			return fmt.Errorf("subscriber of %s: %w", g.name, err)
		}
		cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, g.name)
		if err != nil {
			return err
		}
		r.applied[g.name].Store(cp.Event)
		r.pending[g.name].Store(cp.Event)
		router.AddConsumerHandler(g.name, eventstore.DefaultTopic, sub, r.handler(g)).
			AddMiddleware(append([]message.HandlerMiddleware{r.parkAfterAttempts(g)}, projectorMiddleware...)...)
	}
	if err := r.startReactors(ctx, router, reactorMiddleware); err != nil {
		return err
	}
	r.mu.Lock()
	r.router = router
	r.mu.Unlock()
	go func() {
		r.running.Store(true)
		err := router.Run(ctx)
		r.running.Store(false)
		if err != nil {
			r.runErr.Store(&err)
		}
	}()
	select {
	case <-router.Running():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return errors.New("projections did not start within 30s")
	}
}

// Close stops the projectors; checkpoints are saved on the way out.
func (r *Runtime) Close() error {
	r.mu.Lock()
	router := r.router
	r.mu.Unlock()
	if router == nil {
		return nil
	}
	return router.Close()
}

// misconfigured records that this process cannot consume a group as the
// database holds it (another partition count, another version): it will
// not, and Health says why, until it is restarted as the others are.
func (r *Runtime) misconfigured(err error) error {
	if r.misfit.Swap(&err) == nil {
		r.cfg.Logger.Error("this process cannot consume the projections as the database holds them", "err", err)
	}
	return err
}

// Health reports why the runtime is not serving, or nil.
func (r *Runtime) Health() error {
	if e := r.misfit.Load(); e != nil {
		return *e
	}
	if !r.running.Load() {
		if e := r.runErr.Load(); e != nil {
			return fmt.Errorf("projections stopped: %w", *e)
		}
		return errors.New("projections are not running")
	}
	return nil
}

// handler turns a message into an Apply call. What happens when it fails —
// retries, parking, redelivery — is the router middleware's (middleware.go).
func (r *Runtime) handler(g *group) message.NoPublishHandlerFunc {
	return func(msg *message.Message) (err error) {
		env, err := eventmsg.ToEnvelope(msg)
		if err != nil {
			return permanent{err} // it would not become an event by trying again
		}
		if !g.part.Receives(env.Guild) {
			r.pending[g.name].Store(env.Position) // another partition's guild
			return nil
		}
		ctx, span := consumerSpan(msg, "project", g.name)
		defer func() { tracing.End(span, err) }()
		a := g.applier()
		d, err := r.cfg.Store.Codec().Decode(ctx, env.Record)
		if err != nil {
			return err
		}
		if err := a.Apply(ctx, projections.Event{Envelope: env, Event: d.Event, Erased: d.Erased}); err != nil {
			return err
		}
		r.pending[g.name].Store(env.Position)
		return nil
	}
}

// flush writes a projector's buffered changes; the events they came from
// then count as applied (WaitApplied).
func (r *Runtime) flush(ctx context.Context, g *group) error {
	name := g.name
	pending := r.pending[name].Load() // read first: what is flushed below includes at least this
	r.flushMu[name].Lock()
	defer r.flushMu[name].Unlock()
	if err := g.applier().Flush(ctx); err != nil {
		return err
	}
	if pending > r.applied[name].Load() {
		r.applied[name].Store(pending)
	}
	return nil
}

// parked records that a consumer group parked the event at position pos:
// for a projector, the event counts as applied at its next flush.
func (r *Runtime) parked(group string, pos int64) {
	if p, ok := r.pending[group]; ok && pos > p.Load() {
		p.Store(pos)
	}
}

// WaitCaughtUp blocks until every projector has applied everything the log
// held when it was called: read-your-writes for views.
func (r *Runtime) WaitCaughtUp(ctx context.Context) error {
	last, _, err := r.cfg.Log.LastEvent(ctx, eventstore.DefaultTopic)
	if err != nil || last == 0 {
		return err
	}
	return r.WaitApplied(ctx, last)
}

// WaitCaughtUpFor is WaitCaughtUp for some projectors only: the read
// models a caller is about to show (the dashboard's pages after an action),
// not the ones it does not read.
func (r *Runtime) WaitCaughtUpFor(ctx context.Context, names ...string) error {
	last, _, err := r.cfg.Log.LastEvent(ctx, eventstore.DefaultTopic)
	if err != nil || last == 0 {
		return err
	}
	return r.waitApplied(ctx, last, names)
}

// WaitApplied blocks until every projector has applied (or parked) the
// event at position pos, for read-your-writes in tests and exports.
func (r *Runtime) WaitApplied(ctx context.Context, pos int64) error {
	return r.waitApplied(ctx, pos, nil)
}

// waitApplied waits for the named projectors (all when none are named):
// for every consumer group, what this process applied, or else — the
// group consumed by another process — its saved checkpoint.
func (r *Runtime) waitApplied(ctx context.Context, pos int64, names []string) error {
	remoteAt := time.Now() // this process's own groups usually answer first
	for {
		done := true
		for _, g := range r.groups {
			if len(names) > 0 && !slices.Contains(names, g.p.Name()) {
				continue
			}
			if r.applied[g.name].Load() >= pos {
				continue
			}
			done = false
			if time.Since(remoteAt) < remoteCheckEvery {
				continue
			}
			if cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, g.name); err == nil && cp.Event >= pos && cp.Event > r.applied[g.name].Load() {
				r.applied[g.name].Store(cp.Event)
			}
		}
		if !done && time.Since(remoteAt) >= remoteCheckEvery {
			remoteAt = time.Now()
			continue // look at what the checkpoints said
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for projections to reach %d: %w", pos, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// remoteCheckEvery is how often waiting reads the checkpoints of groups
// another process consumes.
const remoteCheckEvery = 50 * time.Millisecond
