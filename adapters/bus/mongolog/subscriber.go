package mongolog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/eventmsg"
)

// SubscriberConfig configures a Subscriber. Zero values take the defaults.
type SubscriberConfig struct {
	// ConsumerGroup names whose checkpoint and lease the subscriber uses. Empty:
	// every Subscribe reads the topic from its first message and keeps no
	// checkpoint.
	ConsumerGroup string
	// PollInterval is how often the log is read for commits appended by other
	// processes; appends by this process wake subscribers at once. Default 100ms.
	PollInterval time.Duration
	// NackResendSleep is the pause before a nacked message is delivered again. Default 100ms.
	NackResendSleep time.Duration
	// BatchSize is how many commits one read of the log fetches. Default 256.
	BatchSize int
	// CheckpointEvery and CheckpointInterval bound how much is delivered again
	// after a crash: the checkpoint is saved after that many acks or that much
	// time, whichever comes first, and on Close. Defaults 256 and 250ms.
	CheckpointEvery    int
	CheckpointInterval time.Duration
	// LeaseTTL is how long a consumer group's lease lasts without renewal. Default 10s.
	LeaseTTL time.Duration
	// WakeDelay is how long a subscriber waits after an append in this
	// process woke it, so that a command's few appends land before the
	// consumers start on them. Default 10ms.
	WakeDelay time.Duration
	// BeforeCheckpoint, when set, runs before each checkpoint is saved; the
	// checkpoint is not saved if it fails. A consumer that buffers its writes
	// flushes them here, so a checkpoint never claims what is not written.
	BeforeCheckpoint func(ctx context.Context) error
	// Acquired, when set, runs each time the subscriber takes the group's
	// lease, before anything is delivered; the lease is let go if it fails.
	// A consumer that caches what it wrote drops the cache here: another
	// member may have written since this one last held the group.
	Acquired func(ctx context.Context) error
	// RewindOnNack: a nacked message may have been applied in part to what
	// the consumer buffers, so it is not delivered again to the same
	// consumer: the subscriber writes nothing more, lets the group go, and
	// takes it again (Acquired opens the consumer afresh), delivering again
	// from the last checkpoint.
	RewindOnNack bool
	// Feeds is where commits are read while the group is held; default the
	// log itself (LogFeed with PollInterval, WakeDelay and BatchSize).
	Feeds Feeds
	// Members, Family and Partitions share a projector's partitions between
	// processes (see Members): the group is one of Partitions partitions of
	// Family. Without Members, the subscriber takes the group whenever it is
	// free.
	Members    *Members
	Family     string
	Partitions int
	Logger     watermill.LoggerAdapter
}

func (c *SubscriberConfig) setDefaults() {
	if c.PollInterval <= 0 {
		c.PollInterval = 100 * time.Millisecond
	}
	if c.WakeDelay <= 0 {
		c.WakeDelay = 10 * time.Millisecond
	}
	if c.NackResendSleep <= 0 {
		c.NackResendSleep = 100 * time.Millisecond
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 256
	}
	if c.CheckpointEvery <= 0 {
		c.CheckpointEvery = 256
	}
	if c.CheckpointInterval <= 0 {
		c.CheckpointInterval = 250 * time.Millisecond
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
	if c.Family == "" {
		c.Family = c.ConsumerGroup
	}
	if c.Partitions <= 0 {
		c.Partitions = 1
	}
}

// Validate reports configuration errors.
func (c SubscriberConfig) Validate() error {
	var errs []error
	if c.LeaseTTL > 0 && c.LeaseTTL < time.Second {
		errs = append(errs, errors.New("LeaseTTL below 1s would expire between renewals"))
	}
	return errors.Join(errs...)
}

// Subscriber follows topics of the event log.
type Subscriber struct {
	log     Log
	cps     *Checkpoints
	cfg     SubscriberConfig
	owner   string
	closing chan struct{}
	once    sync.Once
	// leasesFrozen stands, in tests (export_test.go), for a process frozen
	// past its lease, or cut off from the database: no lease is taken or
	// renewed while it is set.
	leasesFrozen atomic.Bool
	wg           sync.WaitGroup
}

var _ message.Subscriber = (*Subscriber)(nil)

// NewSubscriber returns a Subscriber. cps may be nil without a consumer group.
func NewSubscriber(log Log, cps *Checkpoints, cfg SubscriberConfig) (*Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ConsumerGroup != "" && cps == nil {
		return nil, errors.New("a consumer group needs checkpoints")
	}
	if cfg.Feeds == nil {
		cfg.Feeds = LogFeed(log, cfg.PollInterval, cfg.WakeDelay, cfg.BatchSize)
	}
	owner := uuid.NewString()
	if cfg.Members != nil {
		owner = cfg.Members.owner
	}
	return &Subscriber{log: log, cps: cps, cfg: cfg, owner: owner, closing: make(chan struct{})}, nil
}

// ConsumerGroup returns the subscriber's consumer group ("" for none).
func (s *Subscriber) ConsumerGroup() string { return s.cfg.ConsumerGroup }

// ErrSubscriberClosed is returned by Subscribe after Close.
var ErrSubscriberClosed = errors.New("subscriber closed")

// Subscribe delivers the topic's messages in log order, one at a time: the
// next is sent after the previous is acked; a nacked one is sent again.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	select {
	case <-s.closing:
		return nil, ErrSubscriberClosed
	default:
	}
	out := make(chan *message.Message)
	subCtx, cancel := context.WithCancel(ctx)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		select {
		case <-s.closing:
		case <-subCtx.Done():
		}
		cancel()
	}()
	go func() {
		defer s.wg.Done()
		defer close(out)
		defer cancel()
		(&subscription{s: s, topic: topic, out: out}).run(subCtx)
	}()
	return out, nil
}

// Close stops every subscription, saving checkpoints and releasing leases.
func (s *Subscriber) Close() error {
	s.once.Do(func() { close(s.closing) })
	s.wg.Wait()
	return nil
}

type subscription struct {
	s       *Subscriber
	topic   string
	out     chan *message.Message
	lease   *Lease
	cp      Checkpoint
	saved   Checkpoint
	flushed Checkpoint
	acked   int
	saveAt  time.Time
	// leaseLost is set when renewing found another member holding the lease,
	// or when the lease may have expired unrenewed (see mayWrite).
	leaseLost atomic.Bool
	// validUntil is when the lease ends unless renewed: the time before the
	// last successful renewal (or the acquisition), plus its TTL.
	validUntil atomic.Int64 // unix nanoseconds
	stopHold   context.CancelFunc
	// unsettled is set when a handler was still busy with a message when
	// the subscription stopped: nothing is written until the group is held
	// again (the consumer is then opened afresh).
	unsettled atomic.Bool
	rewinds   int // in a row, for the pause before the next (see rewindTo)
}

func (sub *subscription) group() string { return sub.s.cfg.ConsumerGroup }

func (sub *subscription) logger() watermill.LoggerAdapter {
	return sub.s.cfg.Logger.With(watermill.LogFields{"topic": sub.topic, "consumer_group": sub.group()})
}

// run consumes the topic: without a group, from the start; with one, each
// time it holds the group's lease — after losing it, or letting it go to
// another member, it waits to take it again, so a process stays ready to
// take over until it closes.
func (sub *subscription) run(ctx context.Context) {
	if sub.group() == "" {
		sub.cp = Checkpoint{Position: 1}
		sub.consume(ctx)
		return
	}
	for ctx.Err() == nil {
		if !sub.acquire(ctx) {
			return
		}
		sub.hold(ctx) // then wait to take it again (Members keeps a yielded one from coming straight back)
	}
}

// hold consumes while the lease is held, until it is lost, let go to
// another member (see Members), or the subscription stops.
func (sub *subscription) hold(ctx context.Context) {
	var yield atomic.Bool
	held, stop := context.WithCancel(ctx)
	defer stop()
	sub.stopHold = stop
	done := make(chan struct{})
	go func() {
		defer close(done)
		sub.renew(held, stop, &yield)
	}()
	sub.consume(held)
	stop()
	<-done
	sub.save(true)
	if !sub.leaseLost.Load() {
		sub.release()
	}
	if m := sub.s.cfg.Members; m != nil && !yield.Load() {
		m.letGo(sub.s.cfg.Family)
	}
	sub.leaseLost.Store(false)
	sub.unsettled.Store(false)
}

// consume delivers the feed's commits from the checkpoint on until ctx ends.
func (sub *subscription) consume(ctx context.Context) {
	feed, err := sub.s.cfg.Feeds(ctx, sub.topic, sub.group())
	if err != nil {
		sub.logger().Error("Opening the feed failed; letting the group go and trying again", err, nil)
		select { // not at once: the lease would be taken back and the feed fail again in a loop
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
		return
	}
	defer func() {
		if err := feed.Close(); err != nil {
			sub.logger().Error("Closing the feed failed", err, nil)
		}
	}()
	sub.saveAt = time.Now().Add(sub.s.cfg.CheckpointInterval)
	for ctx.Err() == nil {
		commits, err := feed.Next(ctx, sub.cp.Position)
		if err != nil && ctx.Err() == nil {
			sub.logger().Error("Reading the event log failed; retrying", err, nil)
			select {
			case <-ctx.Done():
			case <-time.After(sub.s.cfg.PollInterval):
			}
			continue
		}
		if len(commits) == 0 {
			sub.caughtUp()
			feed.Wait(ctx)
			continue
		}
	next:
		for _, c := range commits {
			if c.Position != sub.cp.Position {
				sub.logger().Error("The feed skipped part of the log; reading it again", fmt.Errorf("got commit %d, want %d", c.Position, sub.cp.Position), nil)
				break
			}
			envs := c.Envelopes()
			for i := range envs {
				if i < sub.cp.Index {
					continue // delivered before the checkpoint
				}
				switch sub.deliver(ctx, envs[i]) {
				case stopped:
					return
				case rewind:
					if !sub.rewindTo(ctx) {
						return
					}
					break next // read again from the checkpoint
				}
				sub.rewinds = 0
				sub.cp = Checkpoint{Position: c.Position, Index: i + 1, Event: envs[i].Position}
				if i+1 == len(envs) {
					sub.cp.Position, sub.cp.Index = c.Position+1, 0
				}
				sub.acked++
				sub.save(false)
			}
		}
	}
}

func (sub *subscription) acquire(ctx context.Context) bool {
	var epoch int64
	loaded := false
	m := sub.s.cfg.Members
	refused := 0 // times Acquired failed in a row
	for {
		if sub.s.leasesFrozen.Load() || m != nil && !m.mayTake(sub.s.cfg.Family, sub.s.cfg.Partitions) {
			select {
			case <-ctx.Done():
				return false
			case <-time.After(min(sub.s.cfg.LeaseTTL/4, time.Second)):
			}
			continue
		}
		asked := time.Now()
		lease, e, err := sub.s.cps.TryAcquire(ctx, sub.topic, sub.group(), sub.s.owner, sub.s.cfg.LeaseTTL, epoch)
		epoch = e
		if err != nil && ctx.Err() == nil {
			sub.logger().Error("Taking the consumer group lease failed; retrying", err, nil)
		}
		if lease != nil {
			sub.lease = lease
			sub.validUntil.Store(asked.Add(sub.s.cfg.LeaseTTL).UnixNano())
			cp, err := sub.s.cps.Load(ctx, sub.topic, sub.group())
			if err == nil {
				sub.cp, sub.saved, sub.flushed, loaded = cp, cp, cp, true
			} else if ctx.Err() == nil {
				sub.logger().Error("Loading the checkpoint failed; retrying", err, nil)
			}
			if loaded && sub.s.cfg.Acquired != nil {
				if err := sub.s.cfg.Acquired(ctx); err != nil {
					if ctx.Err() == nil && refused == 0 {
						sub.logger().Error("Preparing the consumer failed; letting the group go and trying again later", err, nil)
					}
					loaded = false
					refused++
				}
			}
			if loaded {
				if refused > 0 {
					sub.logger().Info("The consumer is prepared again; consuming", nil)
				}
				if m != nil {
					m.took(sub.s.cfg.Family)
				}
				sub.acked = 0
				return true
			}
			sub.release()
		}
		// After refusals, a growing pause: a consumer that cannot be
		// prepared (a misconfigured process) must not take and let go of
		// the lease every second.
		pause := min(sub.s.cfg.LeaseTTL/4, time.Second)
		if refused > 0 {
			pause = min(pause<<min(refused, 6), maxRewindPause)
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(pause):
		}
	}
}

// renew keeps the lease until ctx ends; it ends the hold (stop) when the
// lease is lost, or when Members says this process holds more than its
// share (setting yield).
func (sub *subscription) renew(ctx context.Context, stop context.CancelFunc, yield *atomic.Bool) {
	lost := stop
	t := time.NewTicker(sub.s.cfg.LeaseTTL / 3)
	defer t.Stop()
	balance := time.NewTicker(min(sub.s.cfg.LeaseTTL/4, time.Second))
	defer balance.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-balance.C:
			if m := sub.s.cfg.Members; m != nil && m.shouldYield(sub.s.cfg.Family, sub.s.cfg.Partitions) {
				sub.logger().Info("Letting a partition go to another member", nil)
				yield.Store(true)
				stop()
				return
			}
			continue
		case <-t.C:
		}
		if sub.s.leasesFrozen.Load() {
			continue
		}
		asked := time.Now()
		err := sub.lease.Renew(ctx)
		if err == nil {
			sub.validUntil.Store(asked.Add(sub.s.cfg.LeaseTTL).UnixNano())
		}
		if errors.Is(err, ErrLeaseLost) {
			sub.logger().Info("Consumer group lease lost to another member; stopping", nil)
			sub.leaseLost.Store(true)
			lost()
			return
		}
		if err != nil && ctx.Err() == nil {
			sub.logger().Error("Renewing the consumer group lease failed", err, nil)
		}
	}
}

func (sub *subscription) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sub.lease.Release(ctx); err != nil {
		sub.logger().Error("Releasing the consumer group lease failed", err, nil)
	}
}

// caughtUp runs when the log has nothing more: the consumer writes what it
// buffered now (views are fresh at once), while the checkpoint itself is
// saved at its usual pace — a checkpoint write per event would double the
// writes of a quiet server for nothing (what it would save is delivered
// again after a crash, and applied once).
func (sub *subscription) caughtUp() {
	if f := sub.s.cfg.BeforeCheckpoint; f != nil && sub.group() != "" && sub.cp != sub.flushed && sub.mayWrite() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := f(ctx)
		cancel()
		if err != nil {
			sub.logger().Error("Flushing when caught up failed; retrying at the next checkpoint", err, nil)
			return
		}
		sub.flushed = sub.cp
	}
	sub.save(false)
}

// mayWrite says whether the consumer's writes and the checkpoint may go
// out: the lease is held, and not about to expire unrenewed. A process that
// stalled (a long GC pause, a frozen VM) past its lease may find another
// member consuming the group when it wakes; it must not flush what it
// buffered over that member's documents, so it writes only while its lease
// has at least a tenth of its time left, and otherwise lets the group go
// (what it did not write is delivered again to whoever holds the group).
func (sub *subscription) mayWrite() bool {
	if sub.leaseLost.Load() || sub.unsettled.Load() {
		return false
	}
	if sub.lease == nil {
		return true
	}
	if time.Now().UnixNano() < sub.validUntil.Load()-int64(sub.s.cfg.LeaseTTL/10) {
		return true
	}
	sub.logger().Error("The consumer group lease may have expired unrenewed; writing nothing and letting the group go", nil, nil)
	sub.leaseLost.Store(true)
	if sub.stopHold != nil {
		sub.stopHold()
	}
	return false
}

// save stores the checkpoint when it moved and enough acks or time passed
// (or always, when final).
func (sub *subscription) save(final bool) {
	if sub.group() == "" || sub.cp == sub.saved || !sub.mayWrite() {
		// After losing the lease, another member owns the group: neither
		// its consumer's writes nor its checkpoint may be touched from here.
		return
	}
	if !final && sub.acked < sub.s.cfg.CheckpointEvery && time.Now().Before(sub.saveAt) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if f := sub.s.cfg.BeforeCheckpoint; f != nil {
		if err := f(ctx); err != nil {
			sub.logger().Error("Flushing before a checkpoint failed; not saving it", err, nil)
			return
		}
	}
	if err := sub.s.cps.Save(ctx, sub.topic, sub.group(), sub.cp); err != nil {
		sub.logger().Error("Saving the checkpoint failed; messages since the last one will be delivered again", err, nil)
		return
	}
	sub.saved, sub.acked, sub.saveAt = sub.cp, 0, time.Now().Add(sub.s.cfg.CheckpointInterval)
}

// outcome is how a delivery ended.
type outcome int

const (
	delivered outcome = iota // acked
	stopped                  // the subscription is stopping
	rewind                   // nacked by a consumer that must be opened afresh (RewindOnNack)
)

// deliver sends one message until it is acked (or, with RewindOnNack,
// nacked), or the subscription stops.
func (sub *subscription) deliver(ctx context.Context, env eventstore.Envelope) outcome {
	for {
		if ctx.Err() != nil { // select would pick the send half the time
			return stopped
		}
		msg := eventmsg.ToMessage(env)
		// Not ended with the subscription: a handler stopped halfway could
		// leave its consumer's buffer half-changed (see below).
		msgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		msg.SetContext(msgCtx)
		select {
		case sub.out <- msg:
		case <-ctx.Done():
			cancel()
			return stopped
		}
		select {
		case <-msg.Acked():
			cancel()
			return delivered
		case <-msg.Nacked():
			cancel()
			if sub.s.cfg.RewindOnNack && sub.group() != "" {
				return rewind
			}
			select {
			case <-time.After(sub.s.cfg.NackResendSleep):
			case <-ctx.Done():
				return stopped
			}
		case <-ctx.Done():
			// The handler may still be applying it. Nothing may flush the
			// consumer's buffered writes under it (a document could go out
			// half-changed), so wait for its answer; an event acked meanwhile
			// was applied and counts. One that failed may have left the
			// consumer's buffer half-changed too: then nothing more is written
			// (what was not is delivered again, to a consumer opened afresh).
			defer cancel()
			if sub.s.cfg.BeforeCheckpoint == nil {
				return stopped // a consumer that buffers nothing: no flush to keep from it
			}
			select {
			case <-msg.Acked():
				return delivered
			case <-msg.Nacked():
				sub.unsettled.Store(true)
			case <-time.After(settleTimeout):
				sub.logger().Error("A handler did not finish within its time after the subscription stopped; writing nothing more", nil, nil)
				sub.unsettled.Store(true)
			}
			return stopped
		}
	}
}

// rewindTo goes back to the last saved checkpoint with the consumer opened
// afresh (Acquired), after a pause that doubles with each rewind in a row
// (a failure that lasts must not turn into a loop of reopenings). What the
// consumer buffered since is dropped: it is delivered again, and what an
// earlier flush already wrote is passed over by the consumer's guards.
// False when the subscription stops, or the consumer cannot be opened (the
// group is then let go).
func (sub *subscription) rewindTo(ctx context.Context) bool {
	pause := min(sub.s.cfg.NackResendSleep<<min(sub.rewinds, 10), maxRewindPause)
	sub.rewinds++
	select {
	case <-ctx.Done():
		sub.unsettled.Store(true) // the buffer holds half an event
		return false
	case <-time.After(pause):
	}
	if f := sub.s.cfg.Acquired; f != nil {
		if err := f(ctx); err != nil {
			sub.logger().Error("Opening the consumer afresh failed; letting the group go", err, nil)
			sub.unsettled.Store(true)
			return false
		}
	}
	sub.cp, sub.flushed, sub.acked = sub.saved, sub.saved, 0
	return true
}

// maxRewindPause bounds the pause before delivering again after rewinds.
const maxRewindPause = 10 * time.Second

// settleTimeout is how long a stopping subscription waits for the handler
// of the message it delivered last.
const settleTimeout = 5 * time.Second // within the router's 10 s, leaving it time for the final flush
