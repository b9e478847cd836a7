package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/eventstore"
)

// RelayGroup is the relay's consumer group: its lease and its checkpoint
// (the next commit to publish) live with the others'.
//
// WARNING: renaming it publishes the whole log again (JetStream drops what
// its duplicate window still remembers, the subscribers pass over the rest).
const RelayGroup = "nats-relay"

// RelayLog is what the relay reads: the log, and this process's appends as
// they happen.
type RelayLog interface {
	Log
	Wait(topic string) <-chan struct{}
}

// Relay publishes the log's commits to JetStream, in order, from its
// checkpoint. Every process runs one; the lease lets one publish at a time
// and another take over within the lease time after it dies.
type Relay struct {
	Config      Config
	Log         RelayLog
	Checkpoints *mongolog.Checkpoints
	Logger      *slog.Logger
	// Topic is the log's topic; default eventstore.DefaultTopic.
	Topic string
	// Poll is how often the log is read when no nudge arrives (appends by
	// another process whose nudge was lost); default 1s.
	Poll time.Duration
	// LeaseTTL is how long the relay's lease lasts without renewal; default 10s.
	LeaseTTL time.Duration
	// Published, when set, is told of each commit published.
	Published func(c eventstore.StoredCommit)

	owner string
}

func (r *Relay) defaults() {
	r.Config.setDefaults()
	if r.Topic == "" {
		r.Topic = eventstore.DefaultTopic
	}
	if r.Poll <= 0 {
		r.Poll = time.Second
	}
	if r.LeaseTTL <= 0 {
		r.LeaseTTL = 10 * time.Second
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.owner == "" {
		r.owner = "relay-" + uuid.NewString()
	}
}

// Run relays until ctx ends: waiting for the lease, then publishing.
func (r *Relay) Run(ctx context.Context) error {
	r.defaults()
	if err := r.Config.Validate(); err != nil {
		return err
	}
	// NATS may be down when the process starts: the stream is made once it
	// answers, and the subscribers read the log itself meanwhile.
	for {
		err := EnsureStream(r.Config, r.Topic)
		if err == nil {
			break
		}
		r.Logger.Error("relay: NATS JetStream does not answer; trying again in 5s", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Second):
		}
	}
	pub, err := NewPublisher(r.Config)
	if err != nil {
		return fmt.Errorf("natsbus: relay publisher: %w", err)
	}
	defer func() { _ = pub.Close() }()
	nudges, stopNudges := r.nudges()
	defer stopNudges()
	var epoch int64
	for ctx.Err() == nil {
		lease, e, err := r.Checkpoints.TryAcquire(ctx, r.Topic, RelayGroup, r.owner, r.LeaseTTL, epoch)
		epoch = e
		if err != nil && ctx.Err() == nil {
			r.Logger.Error("relay: taking the lease failed; retrying", "err", err)
		}
		if lease == nil {
			select {
			case <-ctx.Done():
			case <-time.After(min(r.LeaseTTL/4, time.Second)):
			}
			continue
		}
		r.Logger.Info("relay: publishing the event log to NATS JetStream", "stream", r.Config.subject(r.Topic))
		r.hold(ctx, lease, pub, nudges)
	}
	return nil
}

// hold publishes while the lease is held.
func (r *Relay) hold(ctx context.Context, lease *mongolog.Lease, pub message.Publisher, nudges <-chan struct{}) {
	held, stop := context.WithCancel(ctx)
	defer stop()
	var lost atomic.Bool // another process holds the relay now: its checkpoint is not ours to move
	go func() {
		t := time.NewTicker(r.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-held.Done():
				return
			case <-t.C:
			}
			if err := lease.Renew(held); errors.Is(err, mongolog.ErrLeaseLost) {
				r.Logger.Info("relay: lease lost to another process; stopping")
				lost.Store(true)
				stop()
				return
			} else if err != nil && held.Err() == nil {
				r.Logger.Error("relay: renewing the lease failed", "err", err)
			}
		}
	}()
	defer func() {
		if lost.Load() {
			return
		}
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = lease.Release(c)
		cancel()
	}()
	cp, err := r.Checkpoints.Load(held, r.Topic, RelayGroup)
	if err != nil {
		r.Logger.Error("relay: loading the checkpoint failed", "err", err)
		return
	}
	saved, saveAt := cp, time.Now()
	save := func(force bool) {
		if cp == saved || lost.Load() || (!force && time.Since(saveAt) < 250*time.Millisecond) || held.Err() != nil && !force {
			return
		}
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := r.Checkpoints.Save(c, r.Topic, RelayGroup, cp); err != nil {
			r.Logger.Error("relay: saving the checkpoint failed; commits since will be published again (and dropped by JetStream)", "err", err)
			return
		}
		saved, saveAt = cp, time.Now()
	}
	defer save(true)
	for held.Err() == nil {
		wake := r.Log.Wait(r.Topic)
		commits, err := r.Log.ReadLog(held, r.Topic, cp.Position, 256)
		if err != nil && held.Err() == nil {
			r.Logger.Error("relay: reading the log failed; retrying", "err", err)
		}
		if len(commits) == 0 {
			save(false)
			select {
			case <-held.Done():
			case <-wake:
			case <-nudges:
			case <-time.After(r.Poll):
			}
			continue
		}
		for _, c := range commits {
			msg, err := commitMessage(c)
			if err == nil {
				err = pub.Publish(r.Config.subject(r.Topic), msg)
			}
			if err != nil {
				if held.Err() == nil {
					r.Logger.Error("relay: publishing failed; retrying", "position", c.Position, "err", err)
					select {
					case <-held.Done():
					case <-time.After(time.Second):
					}
				}
				break
			}
			cp = eventstore.Checkpoint{Position: c.Position + 1, Event: c.LastEvent()}
			if r.Published != nil {
				r.Published(c)
			}
		}
		save(false)
	}
}

// nudgeSubject carries "something was appended" between processes, outside
// the stream (core NATS, at most once): it only wakes the relay sooner.
func (c Config) nudgeSubject() string { return c.Stream + ".appended" }

// nudges subscribes to other processes' appends.
func (r *Relay) nudges() (<-chan struct{}, func()) {
	out := make(chan struct{}, 1)
	nc, err := nats.Connect(r.Config.URL, r.Config.options()...)
	if err != nil {
		r.Logger.Warn("relay: no nudges from other processes; polling", "err", err)
		return out, func() {}
	}
	sub, err := nc.Subscribe(r.Config.nudgeSubject(), func(*nats.Msg) {
		select {
		case out <- struct{}{}:
		default:
		}
	})
	if err != nil {
		nc.Close()
		return out, func() {}
	}
	return out, func() { _ = sub.Unsubscribe(); nc.Close() }
}

// Nudger tells the relay, wherever it runs, that this process appended.
type Nudger struct {
	nc      *nats.Conn
	subject string
}

// NewNudger connects for nudges.
func NewNudger(cfg Config) (*Nudger, error) {
	cfg.setDefaults()
	nc, err := nats.Connect(cfg.URL, cfg.options()...)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connect: %w", err)
	}
	return &Nudger{nc: nc, subject: cfg.nudgeSubject()}, nil
}

// Appended sends a nudge (buffered by the client; never blocks on the server).
func (n *Nudger) Appended() { _ = n.nc.Publish(n.subject, nil) }

// Close ends the connection.
func (n *Nudger) Close() { n.nc.Close() }
