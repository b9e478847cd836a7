package natsbus_test

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	"github.com/nats-io/nats.go"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/adapters/bus/natsbus"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/eventmsg"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/natstest"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestUniversalPubSub runs Watermill's own pub/sub test suite against the
// NATS JetStream publisher and subscriber exactly as the program configures
// them (natsbus.NewPublisher, natsbus.NewSubscriber), on a real NATS server
// started by the test. Each message's UUID is its Nats-Msg-Id and acks are
// synchronous: the configuration Watermill's NATS suite calls exactly-once.
func TestUniversalPubSub(t *testing.T) {
	if testing.Short() {
		t.Skip("the universal suite takes a minute")
	}
	ns := natstest.Start(t)
	cfg := natsbus.Config{URL: ns.URL()}
	construct := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
		pub, err := natsbus.NewPublisher(cfg)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := natsbus.NewSubscriber(cfg, group)
		if err != nil {
			t.Fatal(err)
		}
		return pub, sub
	}
	features := tests.Features{
		ConsumerGroups:                      true,
		ExactlyOnceDelivery:                 true,
		GuaranteedOrder:                     true,
		GuaranteedOrderWithSingleSubscriber: true,
		Persistent:                          true,
		RequireSingleInstance:               true,
		NewSubscriberReceivesOldMessages:    true,
	}
	tests.TestPubSub(t, features,
		func(t *testing.T) (message.Publisher, message.Subscriber) { return construct(t, "") },
		construct,
	)
}

// world is a log on embedded FerretDB, a NATS server, and a relay.
type world struct {
	env    *testenv.AppEnv
	ns     *natstest.Server
	cfg    natsbus.Config
	cps    *mongolog.Checkpoints
	opened int
}

func newWorld(t *testing.T) *world {
	env := testenv.NewApp(t)
	cps, err := mongolog.OpenCheckpoints(context.Background(), env.Conn)
	if err != nil {
		t.Fatal(err)
	}
	ns := natstest.Start(t)
	return &world{env: env, ns: ns, cfg: natsbus.Config{URL: ns.URL()}, cps: cps}
}

func (w *world) open(t *testing.T, n int) {
	t.Helper()
	for range n {
		w.opened++
		if _, err := w.env.App.OpenTicket(context.Background(), app.OpenTicket{Guild: domain.GuildID(10 + w.opened%3), Opener: domain.UserID(100 + w.opened), Topic: "help"}); err != nil {
			t.Fatal(err)
		}
	}
}

// relay runs a relay until the returned stop is called.
func (w *world) relay(t *testing.T) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &natsbus.Relay{Config: w.cfg, Log: w.env.Log, Checkpoints: w.cps, Poll: 20 * time.Millisecond, LeaseTTL: 2 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// consume subscribes a consumer group through JetStream and returns the
// event positions it is delivered, acking each.
func (w *world) consume(t *testing.T, group string) (<-chan int64, func()) {
	sub, err := mongolog.NewSubscriber(w.env.Log, w.cps, mongolog.SubscriberConfig{ConsumerGroup: group, LeaseTTL: 2 * time.Second,
		Feeds: natsbus.Feeds(w.cfg, w.env.Log, 200*time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sub.Subscribe(context.Background(), eventstore.DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan int64, 10_000)
	go func() {
		for msg := range msgs {
			env, err := eventmsg.ToEnvelope(msg)
			if err != nil {
				t.Error(err)
			}
			out <- env.Position
			msg.Ack()
		}
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = sub.Close()
		}
	}
	t.Cleanup(stop)
	return out, stop
}

// receive reads positions until the log's head, checking they come in
// order, each once, and starting right after after.
func (w *world) receive(t *testing.T, got <-chan int64, after int64) int64 {
	t.Helper()
	head, _, err := w.env.Log.LastEvent(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := after + 1
	timeout := time.After(15 * time.Second)
	for want <= head {
		select {
		case p := <-got:
			if p != want {
				t.Fatalf("delivered event %d, want %d (in log order, each once)", p, want)
			}
			want++
		case <-timeout:
			t.Fatalf("delivered up to event %d of %d within 15s", want-1, head)
		}
	}
	return head
}

func (w *world) streamMessages(t *testing.T) uint64 {
	t.Helper()
	nc, err := nats.Connect(w.cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	info, err := js.StreamInfo("ticketify-events")
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func (w *world) commits(t *testing.T) int64 {
	_, head, err := w.env.Log.LastEvent(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return head
}

// The relay publishes each commit once (published again, JetStream drops
// it by its Nats-Msg-Id); a consumer group reads them through its durable
// consumer in log order, each event once; with the relay down it goes on
// from the log itself; a stream that lost commits is read around from the
// log.
func TestTheLogTravelsOverJetStreamInOrderWithoutLossOrDoubles(t *testing.T) {
	w := newWorld(t)
	w.open(t, 5) // before anything runs: the relay starts from the beginning
	stopRelay := w.relay(t)
	got, _ := w.consume(t, "views")
	at := w.receive(t, got, 0)
	w.open(t, 20)
	at = w.receive(t, got, at)
	waitFor(t, "the stream holds every commit once", func() bool { return w.streamMessages(t) == uint64(w.commits(t)) })

	// Published again from the start: JetStream drops the duplicates.
	stopRelay()
	if err := w.cps.Save(context.Background(), eventstore.DefaultTopic, natsbus.RelayGroup, eventstore.Checkpoint{Position: 1}); err != nil {
		t.Fatal(err)
	}
	w.open(t, 3) // with the relay down: the consumer reads the log itself
	at = w.receive(t, got, at)
	stopRelay = w.relay(t)
	w.open(t, 2)
	at = w.receive(t, got, at)
	waitFor(t, "the commits published twice are in the stream once", func() bool { return w.streamMessages(t) == uint64(w.commits(t)) })
	select {
	case p := <-got:
		t.Fatalf("event %d delivered again after publishing the log twice", p)
	case <-time.After(300 * time.Millisecond):
	}

	// A stream that lost its commits (purged): a new group reads them from
	// the log, then follows the stream.
	nc, err := nats.Connect(w.cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	if err := js.PurgeStream("ticketify-events"); err != nil {
		t.Fatal(err)
	}
	fresh, _ := w.consume(t, "audit")
	w.open(t, 4)
	w.receive(t, fresh, 0)
	w.receive(t, got, at)
	stopRelay()
}

// Two relays never publish at once: the second waits for the lease, and
// takes over when the first stops.
func TestOneRelayPublishesAtATime(t *testing.T) {
	w := newWorld(t)
	stopFirst := w.relay(t)
	w.relay(t)
	got, _ := w.consume(t, "views")
	w.open(t, 10)
	at := w.receive(t, got, 0)
	stopFirst()
	start := time.Now()
	w.open(t, 10)
	w.receive(t, got, at)
	waitFor(t, "the stream holds every commit once", func() bool { return w.streamMessages(t) == uint64(w.commits(t)) })
	t.Logf("the second relay delivered %v after the first stopped", time.Since(start).Round(time.Millisecond))
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 15s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With NATS down — before a consumer starts, and while it runs — nothing
// is lost or doubled: consumers read the log itself at the idle pace, the
// relay publishes what it could not once NATS is back, and the consumers
// pass over what they already have.
func TestANATSOutageLosesNothing(t *testing.T) {
	w := newWorld(t)
	w.relay(t)
	got, _ := w.consume(t, "views")
	w.open(t, 3)
	at := w.receive(t, got, 0)

	w.ns.Shutdown()
	w.ns.WaitForShutdown()
	w.open(t, 4)
	at = w.receive(t, got, at)
	late, _ := w.consume(t, "late") // starts while NATS is down
	w.receive(t, late, 0)

	w.ns.Restart(t)
	w.open(t, 4)
	at = w.receive(t, got, at)
	waitFor(t, "the relay published what it missed", func() bool { return w.streamMessages(t) == uint64(w.commits(t)) })
	select {
	case p := <-got:
		t.Fatalf("event %d delivered again after NATS came back", p)
	case <-time.After(300 * time.Millisecond):
	}
	w.open(t, 2)
	w.receive(t, got, at)
}
