package bench_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/runner"
)

// BenchmarkProjectionsCatchUp times what a restart after downtime does: a
// live runtime's catch-up at Start, all six projectors in one pass over a
// freshly seeded log, read through a second Log (another process: nothing
// cached), each flush of 512 commits going through the projection journal.
// Unlike BenchmarkCatchUp (the subscriber alone), it reaches the database
// and every projector.
func BenchmarkProjectionsCatchUp(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("sqlite/%dk", n/1000), func(b *testing.B) {
			ctx := context.Background()
			var events int64
			for b.Loop() {
				b.StopTimer()
				s := seed(b, "sqlite", n)
				seedMu.Lock()
				delete(seeds, fmt.Sprintf("sqlite/%d", n)) // a fresh database every iteration
				seedMu.Unlock()
				cold := testenv.NewAppOn(keepTB{b}, s.env.Conn) // another process: nothing cached
				cps, err := mongolog.OpenCheckpoints(ctx, s.env.Conn)
				if err != nil {
					b.Fatal(err)
				}
				rt, err := runner.New(ctx, runner.Config{Conn: s.env.Conn, Log: cold.Log, Checkpoints: cps, Store: cold.Store,
					Logger: logger(), Subscribers: server.LogSubscribers(cold.Log, cps, 0, logger())}, server.Projectors()...)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := rt.Start(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := rt.WaitCaughtUp(ctx); err != nil {
					b.Fatal(err)
				}
				_ = rt.Close()
				events += s.events
				b.StartTimer()
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func logger() *slog.Logger {
	if os.Getenv("TICKETIFY_BENCH_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}
