package projections

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/mongodb"
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
	return r.replayFrom(ctx, p.Name(), a, mongolog.Checkpoint{Position: 1}, upTo)
}

// replayFrom applies the log from a checkpoint in batches: the applier
// flushes once per batch instead of once per event.
func (r *Runtime) replayFrom(ctx context.Context, name string, a Applier, cp mongolog.Checkpoint, upTo int64) (mongolog.Checkpoint, error) {
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	for batch := range r.cfg.Log.Prefetch(readCtx, eventstore.DefaultTopic, cp.Position, 512) {
		if batch.Err != nil {
			return cp, batch.Err
		}
		for _, c := range batch.Commits {
			for i, env := range c.Envelopes() {
				if c.Position == cp.Position && i < cp.Index {
					continue // delivered before the checkpoint
				}
				if upTo > 0 && env.Position > upTo {
					return cp, a.Flush(ctx)
				}
				if err := r.applyOrPark(ctx, name, a, env); err != nil {
					return cp, err
				}
				cp = mongolog.Checkpoint{Position: c.Position, Index: i + 1, Event: env.Position}
			}
			cp = mongolog.Checkpoint{Position: c.Position + 1, Event: cp.Event}
		}
		if err := a.Flush(ctx); err != nil {
			return cp, err
		}
	}
	return cp, a.Flush(ctx)
}

// catchUpThreshold is how far behind (in commits) a projector must be for
// Start to catch it up in batches before live delivery takes over.
const catchUpThreshold = 256

// catchUp brings a projector that is far behind up to the head in batches,
// holding its consumer group lease; when another process holds it, that
// process is consuming and nothing is done here.
func (r *Runtime) catchUp(ctx context.Context, p Projector, a Applier) error {
	cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, p.Name())
	if err != nil {
		return err
	}
	head, err := r.cfg.Log.Head(ctx, eventstore.DefaultTopic)
	if err != nil || head-cp.Position < catchUpThreshold {
		return err
	}
	lease, _, err := r.cfg.Checkpoints.TryAcquire(ctx, eventstore.DefaultTopic, p.Name(), "catch-up-"+uuid.NewString(), time.Minute, 0)
	if err != nil || lease == nil {
		return err
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	start, from := time.Now(), cp.Position
	cp, err = r.replayFrom(ctx, p.Name(), a, cp, 0)
	if err != nil {
		return err
	}
	r.cfg.Logger.Info("projection caught up in batches", "projection", p.Name(), "from", from, "to", cp.Position-1, "took", time.Since(start).Round(time.Millisecond))
	return r.cfg.Checkpoints.Save(ctx, eventstore.DefaultTopic, p.Name(), cp)
}

func (r *Runtime) applyOrPark(ctx context.Context, name string, a Applier, env eventstore.Envelope) error {
	var err error
	for attempt := 1; attempt <= r.cfg.Attempts; attempt++ {
		if err = r.apply(ctx, a, env); err == nil {
			return nil
		}
		if transient(ctx, err) {
			return err
		}
	}
	return r.park(ctx, name, env, err)
}

// Rebuild replays the log into a fresh generation of each named projector
// (all when none are named), then makes it the live one and drops the old.
// It holds the projector's consumer group lease meanwhile, so it refuses to
// run while another process consumes the projector.
func (r *Runtime) Rebuild(ctx context.Context, names ...string) error {
	for _, p := range r.projectors {
		if len(names) > 0 && !slices.Contains(names, p.Name()) {
			continue
		}
		if err := r.rebuild(ctx, p); err != nil {
			return fmt.Errorf("rebuild %s: %w", p.Name(), err)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(r.projectors, func(p Projector) bool { return p.Name() == n }) {
			return fmt.Errorf("rebuild: there is no projection %q", n)
		}
	}
	return nil
}

func (r *Runtime) rebuild(ctx context.Context, p Projector) error {
	owner := "rebuild-" + uuid.NewString()
	lease, _, err := r.cfg.Checkpoints.TryAcquire(ctx, eventstore.DefaultTopic, p.Name(), owner, time.Minute, 0)
	if err != nil {
		return err
	}
	if lease == nil {
		return fmt.Errorf("projection %s is being consumed by a running ticketify; stop it first", p.Name())
	}
	renewCtx, stopRenew := context.WithCancel(ctx)
	defer stopRenew()
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
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()

	cur, err := r.loadMeta(ctx, p.Name())
	if err != nil {
		return err
	}
	old := 0
	if cur != nil {
		old = cur.Generation
	}
	next := Target{Conn: r.cfg.Conn, Generation: old + 1, Store: r.cfg.Store}
	if err := dropGeneration(ctx, r.cfg.Conn, p, next); err != nil { // left over by an interrupted rebuild
		return err
	}
	start := time.Now()
	cp, err := r.Replay(ctx, p, next, 0)
	if err != nil {
		return err
	}
	if err := r.cfg.Checkpoints.Save(ctx, eventstore.DefaultTopic, p.Name(), cp); err != nil {
		return err
	}
	if err := r.saveMeta(ctx, metaDoc{ID: p.Name(), Version: p.Version(), Generation: next.Generation, RebuiltAt: time.Now().UTC(), Head: cp.Event}); err != nil {
		return err
	}
	r.cfg.Logger.Info("projection rebuilt", "projection", p.Name(), "generation", next.Generation, "events", cp.Event, "took", time.Since(start).Round(time.Millisecond))
	if old > 0 {
		return dropGeneration(ctx, r.cfg.Conn, p, Target{Conn: r.cfg.Conn, Generation: old})
	}
	return nil
}

func dropGeneration(ctx context.Context, conn *mongodb.Conn, p Projector, t Target) error {
	for _, base := range p.Collections() {
		if err := conn.DB.Collection(t.Collection(base)).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", t.Collection(base), mongodb.Classify(err))
		}
	}
	return nil
}
