package runner_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/privacy"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/analytics"
	"github.com/ticketify/ticketify/projections/audit"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// member is one process's runtime in a partitioned deployment.
type member struct {
	rt      *runner.Runtime
	members *mongolog.Members
	stop    context.CancelFunc
}

func startMember(t *testing.T, env *testenv.AppEnv, partitions int, ps ...projections.Projector) *member {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cps, err := mongolog.OpenCheckpoints(ctx, env.Conn)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := mongolog.OpenMembers(ctx, env.Conn, fmt.Sprintf("process-%d", time.Now().UnixNano()), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	go ms.Run(ctx)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	rt, err := runner.New(ctx, runner.Config{
		Conn: env.Conn, Log: env.Log, Checkpoints: cps, Store: env.Store, RetryDelay: 10 * time.Millisecond, Logger: logger,
		Partitions:  partitions,
		Subscribers: server.Subscribers(env.Log, cps, 20*time.Millisecond, nil, ms, logger),
	}, ps...)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	m := &member{rt: rt, members: ms, stop: func() { _ = rt.Close(); cancel() }}
	t.Cleanup(m.stop)
	return m
}

func waitUntil(t *testing.T, within time.Duration, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > within {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// equalsARebuild checks that each projector's live collections equal a
// replay of the whole log by one unsplit applier.
func equalsARebuild(t *testing.T, env *testenv.AppEnv, rt *runner.Runtime, ps ...projections.Projector) {
	t.Helper()
	ctx := context.Background()
	for _, p := range ps {
		live, err := rt.Target(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		rebuilt := projections.Target{Conn: env.Conn, Generation: live.Generation + 100 + int(time.Now().UnixNano()%1000), Store: env.Store, Fresh: true}
		if _, err := rt.Replay(ctx, p, rebuilt, 0); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Collections() {
			got, want := testenv.Dump(t, env, live.Collection(c)), testenv.Dump(t, env, rebuilt.Collection(c))
			if !slices.Equal(got, want) {
				t.Errorf("%s, applied by partitions, differs from a rebuild: %d documents live, %d rebuilt", live.Collection(c), len(got), len(want))
			}
		}
	}
}

// A projector split by guild is shared between processes: each holds its
// share of the partitions, every guild's events are applied by the one
// partition that owns it (the views equal an unsplit rebuild), an erasure
// across servers reaches every partition's tickets, and when one process
// stops the other takes its partitions over within 15 seconds.
func TestPartitionsAreSharedAppliedByGuildAndTakenOver(t *testing.T) {
	env := testenv.NewApp(t)
	ctx := context.Background()
	ps := []projections.Projector{ticketviews.Projector{}, transcripts.Projector{}, audit.Projector{}, analytics.Projector{}}
	opened := 0
	open := func(n int, opener func(i int) domain.UserID, topic string) []domain.TicketID {
		var ids []domain.TicketID
		for range n {
			opened++
			o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: domain.GuildID(100 + opened%16), Opener: opener(opened), Topic: topic})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.Ticket)
		}
		return ids
	}
	someone := func(i int) domain.UserID { return domain.UserID(1000 + i) }
	open(32, someone, "help")

	a := startMember(t, env, 4, ps...)
	b := startMember(t, env, 4, ps...)
	waitUntil(t, 15*time.Second, "two processes hold two partitions each", func() bool {
		return a.members.Held(ticketviews.Name) == 2 && b.members.Held(ticketviews.Name) == 2
	})
	open(32, someone, "help")
	// One person with tickets on several servers — several partitions.
	secret := "a topic only the opener may keep"
	erased := open(6, func(int) domain.UserID { return 777 }, secret)
	req, err := env.App.RequestErasure(ctx, "user:777", app.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.CompleteErasure(ctx, privacy.UserErased{Request: req, User: 777, Tickets: erased, At: time.Now()}, req, app.Meta{}); err != nil {
		t.Fatal(err)
	}
	env.Caught(t, a.rt) // waits for its own partitions and reads the other's checkpoints
	env.Caught(t, b.rt)
	equalsARebuild(t, env, a.rt, ps...)
	live, err := a.rt.Target(ctx, ticketviews.Projector{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range (ticketviews.Projector{}).Collections() {
		if dump := strings.Join(testenv.Dump(t, env, live.Collection(c)), "\n"); strings.Contains(dump, secret) {
			t.Errorf("an erased topic is still in %s", live.Collection(c))
		}
	}

	a.stop()
	took := waitUntil(t, 15*time.Second, "the other process takes all four partitions", func() bool {
		return b.members.Held(ticketviews.Name) == 4
	})
	t.Logf("partitions taken over in %v", took.Round(time.Millisecond))
	open(16, someone, "after")
	env.Caught(t, b.rt)
	equalsARebuild(t, env, b.rt, ps...)
}

// Changing the number of partitions rebuilds the split projectors once,
// and every partition resumes after the rebuild.
func TestChangingThePartitionsRebuilds(t *testing.T) {
	env := testenv.NewApp(t)
	ctx := context.Background()
	for i := range 10 {
		if _, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: domain.GuildID(200 + i), Opener: domain.UserID(50 + i), Topic: "help"}); err != nil {
			t.Fatal(err)
		}
	}
	one := startMember(t, env, 1, ticketviews.Projector{})
	env.Caught(t, one.rt)
	before, err := one.rt.Target(ctx, ticketviews.Projector{})
	if err != nil {
		t.Fatal(err)
	}
	one.stop()
	three := startMember(t, env, 3, ticketviews.Projector{})
	env.Caught(t, three.rt)
	after, err := three.rt.Target(ctx, ticketviews.Projector{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Generation != before.Generation+1 {
		t.Errorf("generation %d after splitting in three, want %d (one rebuild)", after.Generation, before.Generation+1)
	}
	equalsARebuild(t, env, three.rt, ticketviews.Projector{})
}

// Partitions moving back and forth while tickets are opened: a member that
// lets a partition go flushes and checkpoints what it applied (never under
// an event still being applied), the member that takes a partition back
// after another wrote to it reads its documents afresh, and every view
// equals a rebuild.
func TestPartitionsMovingUnderLoadEqualARebuild(t *testing.T) {
	env := testenv.NewApp(t)
	ctx := context.Background()
	ps := []projections.Projector{ticketviews.Projector{}, transcripts.Projector{}, audit.Projector{}, analytics.Projector{}}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if _, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: domain.GuildID(300 + i%6), Opener: domain.UserID(5000 + i), Topic: "busy"}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	a := startMember(t, env, 2, ps...)
	waitUntil(t, 15*time.Second, "the first process holds both partitions", func() bool { return a.members.Held(ticketviews.Name) == 2 })
	for round := range 2 {
		b := startMember(t, env, 2, ps...)
		waitUntil(t, 15*time.Second, fmt.Sprintf("round %d: one partition each", round), func() bool {
			return a.members.Held(ticketviews.Name) == 1 && b.members.Held(ticketviews.Name) == 1
		})
		time.Sleep(300 * time.Millisecond) // the second writes to its partition
		b.stop()
		waitUntil(t, 15*time.Second, fmt.Sprintf("round %d: the first takes the partition back", round), func() bool {
			return a.members.Held(ticketviews.Name) == 2
		})
		time.Sleep(300 * time.Millisecond) // and writes to it again
	}
	close(stop)
	<-done
	env.Caught(t, a.rt)
	equalsARebuild(t, env, a.rt, ps...)
}

// A process split another way than the one running refuses to start: the
// rebuild a new partition count needs cannot hold groups another process
// consumes, and two splits never write one generation.
func TestAProcessWithAnotherPartitionCountDoesNotStartBesideARunningOne(t *testing.T) {
	env := testenv.NewApp(t)
	if _, err := env.App.OpenTicket(context.Background(), app.OpenTicket{Guild: 400, Opener: 401, Topic: "help"}); err != nil {
		t.Fatal(err)
	}
	two := startMember(t, env, 2, ticketviews.Projector{})
	waitUntil(t, 15*time.Second, "the first process holds its partitions", func() bool { return two.members.Held(ticketviews.Name) == 2 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cps, err := mongolog.OpenCheckpoints(ctx, env.Conn)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))
	three, err := runner.New(ctx, runner.Config{Conn: env.Conn, Log: env.Log, Checkpoints: cps, Store: env.Store, Logger: logger,
		Partitions: 3, Subscribers: server.Subscribers(env.Log, cps, 20*time.Millisecond, nil, nil, logger)}, ticketviews.Projector{})
	if err != nil {
		t.Fatal(err)
	}
	err = three.Start(ctx)
	if err == nil {
		_ = three.Close()
		t.Fatal("a process with 3 partitions started beside one with 2")
	}
	if !strings.Contains(err.Error(), "being consumed") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	if two.rt.Health() != nil {
		t.Errorf("the running process is unhealthy after the other's refusal: %v", two.rt.Health())
	}
}
