package projections

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/platform/panics"
)

// Replay applies the whole log, up to and including event position upTo (0:
// up to the head), to a target, and returns the consumer checkpoint right
// after the last event applied. It runs no side effects: projectors write
// only their own collections.
func (r *Runtime) Replay(ctx context.Context, p Projector, t Target, upTo int64) (mongolog.Checkpoint, error) {
	a, err := p.Open(ctx, t)
	if err != nil {
		return mongolog.Checkpoint{Position: 1}, fmt.Errorf("open projection %s generation %d: %w", p.Name(), t.Generation, err)
	}
	l := &lane{name: p.Name(), a: a, cp: mongolog.Checkpoint{Position: 1}}
	err = r.replay(ctx, []*lane{l}, upTo)
	return l.cp, err
}

// lane is one projector in a shared replay, with its own checkpoint.
type lane struct {
	name string
	a    Applier
	cp   mongolog.Checkpoint
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
	flush := func() error {
		for _, l := range lanes {
			if err := l.a.Flush(ctx); err != nil {
				return fmt.Errorf("projection %s: %w", l.name, err)
			}
		}
		return nil
	}
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	for batch := range r.cfg.Log.Prefetch(readCtx, eventstore.DefaultTopic, from, 512) {
		if batch.Err != nil {
			return batch.Err
		}
		for _, c := range batch.Commits {
			for i, env := range c.Envelopes() {
				if upTo > 0 && env.Position > upTo {
					return flush()
				}
				var decoded *eventstore.Decoded // decoded once, for the first lane that needs it
				var decodeErr error
				for _, l := range lanes {
					if c.Position < l.cp.Position || (c.Position == l.cp.Position && i < l.cp.Index) {
						continue // delivered before this lane's checkpoint
					}
					if decoded == nil && decodeErr == nil {
						d, err := r.cfg.Store.Codec().Decode(ctx, env.Record)
						decoded, decodeErr = &d, err
					}
					if err := r.applyOrPark(ctx, l.name, l.a, env, decoded, decodeErr); err != nil {
						return err
					}
					l.cp = mongolog.Checkpoint{Position: c.Position, Index: i + 1, Event: env.Position}
				}
			}
			for _, l := range lanes {
				if c.Position >= l.cp.Position {
					l.cp = mongolog.Checkpoint{Position: c.Position + 1, Event: l.cp.Event}
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
func (r *Runtime) catchUp(ctx context.Context, ps []Projector, appliers map[string]Applier) error {
	head, err := r.cfg.Log.Head(ctx, eventstore.DefaultTopic)
	if err != nil {
		return err
	}
	var lanes []*lane
	for _, p := range ps {
		cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, p.Name())
		if err != nil {
			return err
		}
		if head-cp.Position < catchUpThreshold {
			continue
		}
		lease, _, err := r.cfg.Checkpoints.TryAcquire(ctx, eventstore.DefaultTopic, p.Name(), "catch-up-"+uuid.NewString(), time.Minute, 0)
		if err != nil {
			return err
		}
		if lease == nil {
			continue
		}
		defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
		defer renewWhile(ctx, lease)()
		lanes = append(lanes, &lane{name: p.Name(), a: appliers[p.Name()], cp: cp})
	}
	if len(lanes) == 0 {
		return nil
	}
	start := time.Now()
	if err := r.replay(ctx, lanes, 0); err != nil {
		return err
	}
	for _, l := range lanes {
		if err := r.cfg.Checkpoints.Save(ctx, eventstore.DefaultTopic, l.name, l.cp); err != nil {
			return err
		}
	}
	r.cfg.Logger.Info("projections caught up in one pass", "projections", len(lanes), "to", head, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// renewWhile keeps a lease alive until the returned stop is called.
func renewWhile(ctx context.Context, lease *mongolog.Lease) (stop func()) {
	renewCtx, cancel := context.WithCancel(ctx)
	go func() {
		for {
			select {
			case <-renewCtx.Done():
				return
			case <-time.After(15 * time.Second):
				_ = lease.Renew(renewCtx)
			}
		}
	}()
	return cancel
}

// applyOrPark applies an event in a replay (a catch-up or a rebuild), as the
// live handler does: a transient failure stops the replay, anything else is
// retried and then parked, and a panic is parked at once — a replay must not
// crash-loop the process any more than live delivery may.
func (r *Runtime) applyOrPark(ctx context.Context, name string, a Applier, env eventstore.Envelope, d *eventstore.Decoded, decodeErr error) error {
	err := decodeErr
	for attempt := 1; attempt <= r.cfg.Attempts && decodeErr == nil; attempt++ {
		if err = applySafely(ctx, a, Event{Envelope: env, Event: d.Event, Erased: d.Erased}); err == nil {
			return nil
		}
		if Panicked(err) {
			break
		}
		if transient(ctx, err) {
			return err
		}
	}
	if transient(ctx, err) {
		return err
	}
	return r.park(ctx, name, env, err)
}

// applySafely is Apply with a panic turned into an error (a replay has no
// Watermill message for the router's Recoverer to wrap).
func applySafely(ctx context.Context, a Applier, e Event) (err error) {
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
		if !slices.ContainsFunc(r.projectors, func(p Projector) bool { return p.Name() == n }) {
			return fmt.Errorf("rebuild: there is no projection %q", n)
		}
	}
	type rebuilding struct {
		p        Projector
		old, new Target
		lane     *lane
	}
	var all []rebuilding
	for _, p := range r.projectors {
		if len(names) > 0 && !slices.Contains(names, p.Name()) {
			continue
		}
		lease, _, err := r.cfg.Checkpoints.TryAcquire(ctx, eventstore.DefaultTopic, p.Name(), "rebuild-"+uuid.NewString(), time.Minute, 0)
		if err != nil {
			return fmt.Errorf("rebuild %s: %w", p.Name(), err)
		}
		if lease == nil {
			return fmt.Errorf("rebuild: projection %s is being consumed by a running ticketify; stop it first", p.Name())
		}
		defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
		defer renewWhile(ctx, lease)()
		cur, err := r.loadMeta(ctx, p.Name())
		if err != nil {
			return err
		}
		old := 0
		if cur != nil {
			old = cur.Generation
		}
		next := Target{Conn: r.cfg.Conn, Generation: old + 1, Store: r.cfg.Store, Fresh: true}
		if err := dropGeneration(ctx, r.cfg.Conn, p, next); err != nil { // left over by an interrupted rebuild
			return err
		}
		a, err := p.Open(ctx, next)
		if err != nil {
			return fmt.Errorf("rebuild %s: open generation %d: %w", p.Name(), next.Generation, err)
		}
		all = append(all, rebuilding{p: p, old: Target{Conn: r.cfg.Conn, Generation: old}, new: next,
			lane: &lane{name: p.Name(), a: a, cp: mongolog.Checkpoint{Position: 1}}})
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
		if err := r.saveMeta(ctx, metaDoc{ID: b.p.Name(), Version: b.p.Version(), Generation: b.new.Generation, RebuiltAt: time.Now().UTC(), Head: cp.Event}); err != nil {
			return err
		}
		if err := r.cfg.Checkpoints.Save(ctx, eventstore.DefaultTopic, b.p.Name(), cp); err != nil {
			return err
		}
		r.cfg.Logger.Info("projection rebuilt", "projection", b.p.Name(), "generation", b.new.Generation, "events", cp.Event, "took", time.Since(start).Round(time.Millisecond))
		if b.old.Generation > 0 {
			if err := dropGeneration(ctx, r.cfg.Conn, b.p, b.old); err != nil {
				return err
			}
		}
	}
	return nil
}

func dropGeneration(ctx context.Context, conn *mongodb.Conn, p Projector, t Target) error {
	if err := dropJournal(ctx, conn, p.Name(), t.Generation); err != nil { // first: it could recreate documents
		return err
	}
	for _, base := range p.Collections() {
		if err := conn.DB.Collection(t.Collection(base)).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", t.Collection(base), mongodb.Classify(err))
		}
	}
	return nil
}
