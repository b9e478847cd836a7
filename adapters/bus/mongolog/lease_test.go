package mongolog_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// A member whose lease was not renewed in time — a process frozen by a
// long pause, or cut off from the database — writes nothing more: neither
// its consumer's buffered writes (BeforeCheckpoint) nor its checkpoint, once
// its lease may have expired; another member takes the group over and is
// delivered everything the first did not record.
func TestAMemberWhoseLeaseMayHaveExpiredWritesNothing(t *testing.T) {
	ctx := context.Background()
	conn := testenv.SQLite(t)
	log, err := mongostore.Open(ctx, conn, mongostore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	cps, err := mongolog.OpenCheckpoints(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	pub := mongolog.NewPublisher(log)
	publish := func(n int) {
		for range n {
			if err := pub.Publish("events", message.NewMessage(watermill.NewUUID(), []byte("x"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	var flushes atomic.Int64
	var frozenAt atomic.Int64
	var lateFlushes atomic.Int64
	cfg := mongolog.SubscriberConfig{ConsumerGroup: "views", LeaseTTL: time.Second, PollInterval: 10 * time.Millisecond,
		CheckpointInterval: 10 * time.Millisecond,
		BeforeCheckpoint: func(context.Context) error {
			flushes.Add(1)
			if at := frozenAt.Load(); at > 0 && time.Now().UnixNano() > at+int64(time.Second) {
				lateFlushes.Add(1) // past the lease's end, had it been renewed last when it froze
			}
			return nil
		}}
	first, err := mongolog.NewSubscriber(log, cps, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	msgs, err := first.Subscribe(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	var firstGot atomic.Int64
	go func() {
		for m := range msgs {
			firstGot.Add(1)
			m.Ack()
		}
	}()
	publish(5)
	waitFor(t, func() bool { return firstGot.Load() == 5 && flushes.Load() > 0 })

	mongolog.FreezeLeases(first, true)
	frozenAt.Store(time.Now().UnixNano())
	second, err := mongolog.NewSubscriber(log, cps, mongolog.SubscriberConfig{ConsumerGroup: "views", LeaseTTL: time.Second, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	msgs2, err := second.Subscribe(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	var secondGot atomic.Int64
	go func() {
		for m := range msgs2 {
			secondGot.Add(1)
			m.Ack()
		}
	}()
	// The first goes on receiving for a while, then must stop writing.
	for range 20 {
		publish(1)
		time.Sleep(100 * time.Millisecond)
	}
	waitFor(t, func() bool { return secondGot.Load() > 0 })
	if n := lateFlushes.Load(); n > 0 {
		t.Errorf("the frozen member flushed %d times after its lease could have expired", n)
	}
	publish(3)
	waitFor(t, func() bool {
		cp, err := cps.Load(ctx, "events", "views")
		return err == nil && cp.Position == 29 // 25 commits published, plus the 3: the second consumed to the end
	})
	t.Logf("first member: %d received; second member: %d received", firstGot.Load(), secondGot.Load())
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("not within 15s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
