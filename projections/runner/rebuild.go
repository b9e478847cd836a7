package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/panics"
	"github.com/ticketify/ticketify/projections"
)

// Replay applies the whole log, up to and including event position upTo (0:
// up to the head), to a target, and returns the consumer checkpoint right
// after the last event applied. It runs no side effects: projectors write
// only their own collections.
func (r *Runtime) Replay(ctx context.Context, p projections.Projector, t projections.Target, upTo int64) (eventstore.Checkpoint, error) {
	a, err := p.Open(ctx, t)
	if err != nil {
		return eventstore.Checkpoint{Position: 1}, fmt.Errorf("open projection %s generation %d: %w", p.Name(), t.Generation, err)
	}
	l := &lane{name: p.Name(), a: a, cp: eventstore.Checkpoint{Position: 1}}
	err = r.replay(ctx, []*lane{l}, upTo)
	return l.cp, err
}

// lane is one projector in a shared replay, with its own checkpoint.
type lane struct {
	name string
	a    projections.Applier
	cp   eventstore.Checkpoint
	part projections.Partition // the guilds it applies; the zero value is all
	// catchUp: a failure stops the lane (see applyOrPark) at flushed, the
	// checkpoint of its last flush, for live delivery to take over.
	catchUp bool
	stopped bool
	flushed eventstore.Checkpoint
}

// replay reads the log once, from the earliest lane's checkpoint, decodes
// each event once and applies it to every lane that has not seen it. Lanes
// flush once per batch instead of once per event; each lane's checkpoint
// ends right after the last event it applied.
func (r *Runtime) replay(ctx context.Context, lanes []*lane, upTo int64) error {
	if len(lanes) == 0 {
		return nil
	}
	from := lanes[0].cp.Position
	for _, l := range lanes {
		from = min(from, l.cp.Position)
	}
	for _, l := range lanes {
		l.flushed = l.cp
	}
	flush := func() error {
		for _, l := range lanes {
			if l.stopped {
				continue // its buffer holds half an event
			}
			if err := l.a.Flush(ctx); err != nil {
				return fmt.Errorf("projection %s: %w", l.name, err)
			}
			l.flushed = l.cp
		}
		return nil
	}
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	for batch := range prefetch(readCtx, r.cfg.Log, eventstore.DefaultTopic, from, 512) {
		if batch.err != nil {
			return batch.err
		}
		for _, c := range batch.commits {
			for i, env := range c.Envelopes() {
				if upTo > 0 && env.Position > upTo {
					return flush()
				}
				var decoded *eventstore.Decoded // decoded once, for the first lane that needs it
				var decodeErr error
				for _, l := range lanes {
					if l.stopped || c.Position < l.cp.Position || (c.Position == l.cp.Position && i < l.cp.Index) {
						continue // stopped, or delivered before this lane's checkpoint
					}
					if !l.part.Receives(env.Guild) {
						l.cp = eventstore.Checkpoint{Position: c.Position, Index: i + 1, Event: env.Position}
						continue // another partition's guild
					}
					if decoded == nil && decodeErr == nil {
						d, err := r.cfg.Store.Codec().Decode(ctx, env.Record)
						decoded, decodeErr = &d, err
					}
					if err := r.applyOrPark(ctx, l, env, decoded, decodeErr); err != nil {
						return err
					}
					l.cp = eventstore.Checkpoint{Position: c.Position, Index: i + 1, Event: env.Position}
				}
			}
			for _, l := range lanes {
				if !l.stopped && c.Position >= l.cp.Position {
					l.cp = eventstore.Checkpoint{Position: c.Position + 1, Event: l.cp.Event}
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return flush()
}

// catchUpThreshold is how far behind (in commits) a projector must be for
// Start to catch it up in batches before live delivery takes over.
const catchUpThreshold = 256

// catchUp brings the projectors that are far behind up to the head in one
// shared pass over the log, holding each one's consumer group lease; one
// whose lease another process holds is being consumed there and is left
// alone.
func (r *Runtime) catchUp(ctx context.Context, groups []*group) error {
	_, head, err := r.cfg.Log.LastEvent(ctx, eventstore.DefaultTopic)
	if err != nil {
		return err
	}
	var lanes []*lane
	for _, g := range groups {
		cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, g.name)
		if err != nil {
			return err
		}
		if head-cp.Position < catchUpThreshold {
			continue
		}
		release, held, err := r.cfg.Checkpoints.Hold(ctx, eventstore.DefaultTopic, g.name, "catch-up-"+uuid.NewString(), time.Minute)
		if err != nil {
			return err
		}
		if !held {
			continue
		}
		defer release()
		lanes = append(lanes, &lane{name: g.name, a: g.applier(), cp: cp, part: g.part, catchUp: true})
	}
	if len(lanes) == 0 {
		return nil
	}
	start := time.Now()
	if err := r.replay(ctx, lanes, 0); err != nil {
		return err
	}
	for _, l := range lanes {
		cp := l.cp
		if l.stopped {
			cp = l.flushed
		}
		if err := r.cfg.Checkpoints.Save(ctx, eventstore.DefaultTopic, l.name, cp); err != nil {
			return err
		}
	}
	r.cfg.Logger.Info("projections caught up in one pass", "projections", len(lanes), "to", head, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// applyOrPark applies an event in a replay (a catch-up or a rebuild) with
// the live middleware's rules (middleware.go) as far as a replay can keep
// them: a transient failure stops the replay, and an event is never applied
// again on top of an attempt that failed halfway. So a catch-up lane stops
// at its first failure — its checkpoint stays at its last flush, and live
// delivery, which retries on a projector opened afresh and parks after
// Attempts, takes over from there — while a rebuild, whose generation is new,
// parks the event at once (a panic or any other failure) and goes on.
//
// It is written out rather than run through the router's middleware because
// a replay has no Watermill messages: it decodes each event once for every
// projector it feeds, and a message per event and projector would be built
// only to be taken apart again.
func (r *Runtime) applyOrPark(ctx context.Context, l *lane, env eventstore.Envelope, d *eventstore.Decoded, decodeErr error) error {
	err := decodeErr
	if err == nil {
		if err = applySafely(ctx, l.a, projections.Event{Envelope: env, Event: d.Event, Erased: d.Erased}); err == nil {
			return nil
		}
	}
	if !isPanic(err) && (transient(err) || ctx.Err() != nil) {
		return err
	}
	if l.catchUp {
		r.cfg.Logger.Warn("catch-up stopped for a projection at an event it failed; live delivery takes over from its last flush",
			"projection", l.name, "position", env.Position, "err", logsafeReason(err))
		l.stopped = true
		return nil
	}
	return r.parking.park(ctx, l.name, env, err.Error())
}

// logsafeReason is a failure as it may be logged: a panic's value is not
// (it could hold the event's personal data), only what panicked says.
func logsafeReason(err error) string {
	var p *panicked
	if errors.As(err, &p) {
		return "panic: " + p.what
	}
	return err.Error()
}

// applySafely is Apply with a panic turned into a panicked error, as the
// router's Recoverer and classify do for live delivery.
func applySafely(ctx context.Context, a projections.Applier, e projections.Event) (err error) {
	defer func() { err = asPanicked(err) }()
	defer panics.Recover(&err)
	return a.Apply(ctx, e)
}

// Rebuild replays the log into a fresh generation of each named projector
// (all when none are named) in one shared pass, then makes each new
// generation the live one and drops the old. It holds the projectors'
// consumer group leases meanwhile, so it refuses to run while another
// process consumes them.
func (r *Runtime) Rebuild(ctx context.Context, names ...string) error {
	for _, n := range names {
		if !slices.ContainsFunc(r.projectors, func(p projections.Projector) bool { return p.Name() == n }) {
			return fmt.Errorf("rebuild: there is no projection %q", n)
		}
	}
	type rebuilding struct {
		p        projections.Projector
		old, new projections.Target
		lane     *lane
	}
	var all []rebuilding
	for _, p := range r.projectors {
		if len(names) > 0 && !slices.Contains(names, p.Name()) {
			continue
		}
		cur, err := r.loadMeta(ctx, p.Name())
		if err != nil {
			return err
		}
		// Every consumer group of the projector, as it was split and as it
		// will be: one pass over the log feeds them all, so none may be
		// consumed meanwhile.
		groups := GroupsOf(p, r.cfg.Partitions)
		if cur != nil {
			for _, g := range GroupsOf(p, cur.partitions()) {
				if !slices.Contains(groups, g) {
					groups = append(groups, g)
				}
			}
		}
		for _, g := range groups {
			release, held, err := r.cfg.Checkpoints.Hold(ctx, eventstore.DefaultTopic, g, "rebuild-"+uuid.NewString(), time.Minute)
			if err != nil {
				return fmt.Errorf("rebuild %s: %w", p.Name(), err)
			}
			if !held {
				return fmt.Errorf("rebuild: projection %s is being consumed by a running ticketify; stop it first", g)
			}
			defer release()
		}
		old := 0
		if cur != nil {
			old = cur.Generation
		}
		next := projections.Target{Conn: r.cfg.Conn, Generation: old + 1, Store: r.cfg.Store, Fresh: true}
		if err := projections.DropGeneration(ctx, r.cfg.Conn, p, next); err != nil { // left over by an interrupted rebuild
			return err
		}
		a, err := p.Open(ctx, next)
		if err != nil {
			return fmt.Errorf("rebuild %s: open generation %d: %w", p.Name(), next.Generation, err)
		}
		all = append(all, rebuilding{p: p, old: projections.Target{Conn: r.cfg.Conn, Generation: old}, new: next,
			lane: &lane{name: p.Name(), a: a, cp: eventstore.Checkpoint{Position: 1}}})
	}
	lanes := make([]*lane, len(all))
	for i, b := range all {
		lanes[i] = b.lane
	}
	start := time.Now()
	if err := r.replay(ctx, lanes, 0); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	for _, b := range all {
		cp := b.lane.cp
		// The switch first, then the checkpoint: killed between the two, the
		// new generation (complete up to cp) is live and is delivered again
		// what it already applied since the old checkpoint, which its guards
		// ignore. The other order would leave the old generation live with a
		// checkpoint past events it never saw.
		groups := GroupsOf(b.p, r.cfg.Partitions)
		if err := r.saveMeta(ctx, metaDoc{ID: b.p.Name(), Version: b.p.Version(), Generation: b.new.Generation, RebuiltAt: time.Now().UTC(), Head: cp.Event, Partitions: len(groups)}); err != nil {
			return err
		}
		for _, g := range groups { // one pass applied every guild: each partition resumes after it
			if err := r.cfg.Checkpoints.Save(ctx, eventstore.DefaultTopic, g, cp); err != nil {
				return err
			}
		}
		r.cfg.Logger.Info("projection rebuilt", "projection", b.p.Name(), "generation", b.new.Generation, "events", cp.Event, "took", time.Since(start).Round(time.Millisecond))
		if b.old.Generation > 0 {
			if err := projections.DropGeneration(ctx, r.cfg.Conn, b.p, b.old); err != nil {
				return err
			}
		}
	}
	return nil
}

// batch is one read of the log by prefetch.
type batch struct {
	commits []eventstore.StoredCommit
	err     error
}

// prefetch reads a topic from position from up to the head as it is when
// each read starts, one batch ahead of the consumer: the next batch's
// lookups run while the consumer handles the current one. The channel closes
// at the head (an empty read), on an error (sent as the last batch), or when
// ctx ends.
func prefetch(ctx context.Context, log Log, topic string, from int64, size int) <-chan batch {
	out := make(chan batch, 1)
	go func() {
		defer close(out)
		for {
			commits, err := log.ReadLog(ctx, topic, from, size)
			if len(commits) > 0 || err != nil {
				select {
				case out <- batch{commits: commits, err: err}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil || len(commits) == 0 {
				return
			}
			from = commits[len(commits)-1].Position + 1
		}
	}()
	return out
}
